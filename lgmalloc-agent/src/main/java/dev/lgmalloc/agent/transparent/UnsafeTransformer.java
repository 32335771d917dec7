package dev.lgmalloc.agent.transparent;

import dev.lgmalloc.agent.AgentLog;
import dev.lgmalloc.agent.RoutingTransformer;
import dev.lgmalloc.agent.runtime.UnsafeMemory;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Transparent mode for {@code sun.misc.Unsafe}: rewrites the memory calls of every application and library
 * class as it loads ({@link UnsafeRewriter}), so an unmodified program's {@code allocateMemory} is served by
 * lgmalloc and its frees and reallocs go to whichever allocator owns the pointer. Never throws: a class that
 * cannot be rewritten loads unchanged and is reported once. Classes of the JDK, of the platform and bootstrap
 * loaders, and lgmalloc's own are not touched; nor are classes loaded before the agent started.
 *
 * <p>Unlike the routing transformer it stays installed: any class may call {@code Unsafe}, so every class
 * that loads is looked at (a raw scan for the constant {@code sun/misc/Unsafe}, a parse only when present).
 */
public final class UnsafeTransformer implements ClassFileTransformer {

    private static final Map<String, Long> CRC_BEFORE = new ConcurrentHashMap<>();

    private final Instrumentation inst;
    private final boolean verbose;
    private final Map<ClassLoader, Boolean> loadersSeeingBridge = Collections.synchronizedMap(new WeakHashMap<>());
    private final AtomicInteger classes = new AtomicInteger();
    private final AtomicInteger sites = new AtomicInteger();

    public UnsafeTransformer(Instrumentation inst, boolean verbose) {
        this.inst = inst;
        this.verbose = verbose;
    }

    /** Installs a transformer for the classes that load from now on. */
    public static UnsafeTransformer install(Instrumentation inst, boolean verbose) {
        UnsafeTransformer t = new UnsafeTransformer(inst, verbose);
        inst.addTransformer(t, false);
        return t;
    }

    /**
     * The CRC of a class's file before this transformer rewrote it, or null when it did not: the routing
     * transformer, which runs after it, checks a class against the analysed file's CRC.
     */
    public static Long crcBeforeRewrite(String className) {
        return CRC_BEFORE.get(className);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (className == null || classBeingRedefined != null || RoutingTransformer.isSkipped(loader, className)) {
                return null;
            }
            UnsafeRewriter.Rewritten out = UnsafeRewriter.rewrite(classfileBuffer);
            if (out == null) {
                return null;
            }
            if (!seesBridge(loader)) {
                AgentLog.once("unsafe:" + loader, "left the Unsafe calls of " + className + " (and every class of "
                        + "its loader) unchanged: the loader does not see the agent's classes");
                return null;
            }
            Module bridge = UnsafeMemory.class.getModule();
            if (module != null && module.isNamed() && !module.canRead(bridge)) {
                inst.redefineModule(module, Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
            }
            CRC_BEFORE.put(className, dev.lgmalloc.agent.Crc.of(classfileBuffer));
            classes.incrementAndGet();
            sites.addAndGet(out.sites());
            if (verbose) {
                AgentLog.info("rewrote " + out.sites() + " Unsafe memory call(s) of " + className);
            }
            return out.bytes();
        } catch (Throwable t) { // an exception here would be swallowed by the JVM: report it ourselves
            AgentLog.once("unsafe:" + className, "left the Unsafe calls of " + className + " unchanged: "
                    + AgentLog.describe(t));
            return null;
        }
    }

    private boolean seesBridge(ClassLoader loader) {
        Boolean known = loadersSeeingBridge.get(loader);
        if (known == null) {
            try {
                known = Class.forName(UnsafeMemory.class.getName(), false, loader) == UnsafeMemory.class;
            } catch (ClassNotFoundException | LinkageError e) {
                known = false;
            }
            loadersSeeingBridge.put(loader, known);
        }
        return known;
    }

    /** Classes rewritten so far. */
    public int rewrittenClasses() {
        return classes.get();
    }

    /** Calls rewritten so far. */
    public int rewrittenSites() {
        return sites.get();
    }
}
