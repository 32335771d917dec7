package dev.lgmalloc.agent.transparent;

import dev.lgmalloc.agent.AgentLog;
import dev.lgmalloc.agent.Crc;
import dev.lgmalloc.agent.RoutingTransformer;
import dev.lgmalloc.agent.runtime.UnsafeMemory;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transparent mode: rewrites the JDK allocation calls of every application and library class as it loads
 * ({@link TransparentRewriter}), so an unmodified program's {@code Unsafe.allocateMemory},
 * {@code Arena.ofConfined()} / {@code ofShared()} and {@code ByteBuffer.allocateDirect} are served by lgmalloc, and
 * frees and reallocs of Unsafe memory go to whichever allocator owns the pointer. Never throws: a class that cannot be rewritten loads unchanged and
 * is reported once. Classes of the JDK, of the platform and bootstrap loaders, and lgmalloc's own are not
 * touched; nor are classes loaded before the agent started.
 *
 * <p>Unlike the routing transformer it stays installed: any class may call these APIs, so every class that
 * loads is looked at (a raw scan for the owners' names, a parse only when one is present).
 */
public final class TransparentTransformer implements ClassFileTransformer {

    private static final Map<String, Long> CRC_BEFORE = new ConcurrentHashMap<>();

    private final Instrumentation inst;
    private final Set<TransparentRewriter.Family> families;
    private final java.util.List<String> excluded;   // internal-name prefixes: frees and reallocs only
    private final boolean dryRun;
    private final boolean verbose;
    private final Map<ClassLoader, Boolean> loadersSeeingBridge = Collections.synchronizedMap(new WeakHashMap<>());
    private final Map<TransparentRewriter.Family, Integer> sites =
            Collections.synchronizedMap(new EnumMap<>(TransparentRewriter.Family.class));

    private TransparentTransformer(Instrumentation inst, Set<TransparentRewriter.Family> families,
                                   java.util.List<String> excluded, boolean dryRun, boolean verbose) {
        this.inst = inst;
        this.families = Set.copyOf(families);
        this.excluded = java.util.List.copyOf(excluded);
        this.dryRun = dryRun;
        this.verbose = verbose || dryRun;
    }

    /**
     * Installs a transformer for {@code families} (none: nothing installed) for the classes that load from now on.
     *
     * @param excluded internal-name prefixes ({@code com/example/}) of classes whose allocation calls stay the JDK's;
     *                 their frees and reallocs are still rewritten, since those send foreign memory to the original
     * @param dryRun   log what would be rewritten, change nothing
     */
    public static TransparentTransformer install(Instrumentation inst, Set<TransparentRewriter.Family> families,
                                                 java.util.List<String> excluded, boolean dryRun, boolean verbose) {
        if (families.isEmpty()) {
            return null;
        }
        TransparentTransformer t = new TransparentTransformer(inst, families, excluded, dryRun, verbose);
        inst.addTransformer(t, false);
        if (t.verbose) {
            Runtime.getRuntime().addShutdownHook(new Thread(t::reportAtExit, "lgmalloc-agent-transparent-report"));
        }
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
            TransparentRewriter.Rewritten out = TransparentRewriter.rewrite(classfileBuffer, families,
                    isExcluded(className));
            if (out == null) {
                return null;
            }
            if (!seesBridge(loader)) {
                AgentLog.once("transparent:" + loader, "left the JDK allocation calls of " + className + " (and of "
                        + "every class of its loader) unchanged: the loader does not see the agent's classes");
                return null;
            }
            if (dryRun) {
                out.counts().forEach((family, n) -> sites.merge(family, n, Integer::sum));
                AgentLog.info("would rewrite " + describe(out) + " of " + className + (isExcluded(className)
                        ? " (excluded: frees and reallocs only)" : ""));
                return null;
            }
            Module bridge = UnsafeMemory.class.getModule();
            if (module != null && module.isNamed() && !module.canRead(bridge)) {
                inst.redefineModule(module, Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
            }
            CRC_BEFORE.put(className, Crc.of(classfileBuffer));
            out.counts().forEach((family, n) -> sites.merge(family, n, Integer::sum));
            if (verbose) {
                AgentLog.info("rewrote " + describe(out) + " of " + className);
            }
            return out.bytes();
        } catch (Throwable t) { // an exception here would be swallowed by the JVM: report it ourselves
            AgentLog.once("transparent:" + className, "left the JDK allocation calls of " + className
                    + " unchanged: " + AgentLog.describe(t));
            return null;
        }
    }

    private boolean isExcluded(String className) {
        for (String prefix : excluded) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(TransparentRewriter.Rewritten out) {
        StringBuilder what = new StringBuilder();
        out.counts().forEach((family, n) -> what.append(what.isEmpty() ? "" : ", ").append(n).append(' ')
                .append(describe(family)).append(" call(s)"));
        return what.toString();
    }

    private static String describe(TransparentRewriter.Family family) {
        return switch (family) {
            case UNSAFE -> "Unsafe memory";
            case ARENA -> "Arena";
            case DIRECT -> "direct buffer";
        };
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

    /** One line at exit: what was rewritten, and whether lgmalloc served the program at all. */
    private void reportAtExit() {
        Map<TransparentRewriter.Family, Integer> counts = rewrittenSites();
        StringBuilder line = new StringBuilder("transparent mode at exit: ").append(dryRun ? "would have rewritten " : "rewrote ");
        line.append(counts.isEmpty() ? "no calls" : counts.toString());
        if (dev.lgmalloc.LgMalloc.isInitialized()) {
            var stats = dev.lgmalloc.LgMalloc.statistics();
            line.append("; lgmalloc in use: ").append(stats.heaps()).append(" heaps, ").append(stats.liveBlocks())
                    .append(" live blocks (").append(stats.liveBytes()).append(" bytes), ")
                    .append(stats.predictedHits()).append(" allocations on predicted fast paths, ")
                    .append(dev.lgmalloc.agent.runtime.DirectBuffers.heldBytes() / 1024)
                    .append(" KiB held for direct buffers");
        } else {
            line.append("; lgmalloc was never used");
        }
        AgentLog.info(line.toString());
    }

    /** Calls rewritten so far, per family. */
    public Map<TransparentRewriter.Family, Integer> rewrittenSites() {
        synchronized (sites) {
            return Map.copyOf(sites);
        }
    }
}
