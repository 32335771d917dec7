package dev.lgmalloc.agent;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.agent.runtime.SiteRecorder;
import dev.lgmalloc.agent.transparent.TransparentTransformer;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rewrites the planned sites of each class as it loads (see {@link SiteRewriter}). Never throws: a class that
 * does not match its plan or fails to rewrite loads unchanged, and is reported once. Classes of the JDK, of
 * the platform and bootstrap loaders, and lgmalloc's own are not touched.
 */
public final class RoutingTransformer implements ClassFileTransformer {

    private static final String[] SKIPPED_PREFIXES = {"java/", "javax/", "jdk/", "sun/", "com/sun/",
            "dev/lgmalloc/agent/", "dev/lgmalloc/analysis/", "dev/lgmalloc/internal/", "dev/lgmalloc/management/"};

    private final Map<String, RoutingPlan.ClassSites> classes;
    private final SiteRewriter.Mode mode;
    private final boolean verbose;
    private final Map<ClassLoader, Boolean> loadersSeeingAgent = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<String> pending;
    private final Instrumentation inst;
    private final AtomicBoolean removed = new AtomicBoolean();
    private final AtomicInteger rewritten = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    /** A transformer applying {@code plan} in {@code mode}; {@code verbose} logs each rewritten class. */
    public RoutingTransformer(RoutingPlan plan, SiteRewriter.Mode mode, boolean verbose) {
        this(plan.classes(), mode, verbose, null);
    }

    /**
     * A transformer rewriting the given sites per class (by internal name) in {@code mode}: what a warm start
     * uses, without building a {@link RoutingPlan}. When {@code inst} is given, the transformer removes itself
     * once every class of the plan has been handled (rewritten, or left unchanged for its bytes): while any
     * transformer is installed the JVM passes every class it loads through it, which costs a copy of the class
     * file (read back from the runtime image for CDS classes) and a call into Java per class.
     */
    public RoutingTransformer(Map<String, RoutingPlan.ClassSites> classes, SiteRewriter.Mode mode, boolean verbose,
                              Instrumentation inst) {
        this.classes = classes;
        this.inst = inst;
        this.pending = ConcurrentHashMap.newKeySet();
        this.pending.addAll(classes.keySet());
        this.mode = mode;
        this.verbose = verbose;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (className == null || isSkipped(loader, className)) {
                return null;
            }
            RoutingPlan.ClassSites sites = classes.get(className);
            if (sites == null) {
                return null;
            }
            if (!seesAgentClasses(loader)) { // another loader may load a class of that name that does: pending
                refused.incrementAndGet();
                AgentLog.once(className, "left " + className + " unchanged: its class loader does not see the "
                        + "agent's lgmalloc classes");
                return null;
            }
            byte[] out = rewrite(className, classBeingRedefined != null, sites, classfileBuffer);
            handled(className);
            return out;
        } catch (Throwable t) { // an exception here would be swallowed by the JVM: report it ourselves
            refused.incrementAndGet();
            AgentLog.once(className, "left " + className + " unchanged: " + AgentLog.describe(t));
            handled(className);
            return null;
        }
    }

    /** Marks a planned class as done; after the last one the transformer leaves the JVM's class loading path. */
    private void handled(String className) {
        if (inst != null && pending.remove(className) && pending.isEmpty() && removed.compareAndSet(false, true)) {
            inst.removeTransformer(this);
        }
    }

    /** Whether every planned class was handled and the transformer removed itself. */
    public boolean removed() {
        return removed.get();
    }

    private byte[] rewrite(String className, boolean retransforming, RoutingPlan.ClassSites sites, byte[] bytes) {
        // A retransformed class comes back as the JVM reconstitutes it, whose bytes differ from the file even
        // when the code does not: then the rewriter's per-site check (index and callee) is the guard. A class whose
        // JDK allocation calls were rewritten first is recognised by its CRC before that rewrite (no offset moved).
        if (!retransforming && Crc.of(bytes) != sites.crc()
                && !Long.valueOf(sites.crc()).equals(TransparentTransformer.crcBeforeRewrite(className))) {
            refused.incrementAndGet();
            AgentLog.once(className, "left " + className + " unchanged: its class file differs from the analysed one");
            return null;
        }
        byte[] out = SiteRewriter.rewrite(bytes, sites.sites(), mode);
        if (out != null) {
            rewritten.incrementAndGet();
            if (verbose) {
                int n = 0;
                for (PlannedSite s : sites.sites()) {
                    n += mode == SiteRewriter.Mode.VERIFY || s.fastPath() ? 1 : 0;
                }
                AgentLog.info("rewrote " + n + " site(s) of " + className);
            }
        }
        return out;
    }

    /** Classes the agent never rewrites: the JDK's, the platform's, and lgmalloc's own. */
    public static boolean isSkipped(ClassLoader loader, String className) {
        return loader == null || loader == ClassLoader.getPlatformClassLoader() || isSkippedName(className);
    }

    /** Whether a class of this internal name is the JDK's or lgmalloc's own, whatever its loader. */
    static boolean isSkippedName(String className) {
        for (String p : SKIPPED_PREFIXES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        // The core's public package holds LgMalloc itself; its subpackages other than the ones above are apps'.
        return className.startsWith("dev/lgmalloc/") && className.indexOf('/', "dev/lgmalloc/".length()) < 0;
    }

    /**
     * Whether the loader resolves {@code LgMalloc} (and the recorder) to the very classes the agent configured:
     * a rewritten site must reach the allocator whose size classes the plan's indices refer to.
     */
    private boolean seesAgentClasses(ClassLoader loader) {
        // No computeIfAbsent lambda: this runs during class loading on a warm start, where each lambda costs.
        Boolean known = loadersSeeingAgent.get(loader);
        if (known == null) {
            known = resolvesToAgentClasses(loader);
            loadersSeeingAgent.put(loader, known);
        }
        return known;
    }

    private boolean resolvesToAgentClasses(ClassLoader loader) {
        try {
            return Class.forName(LgMalloc.class.getName(), false, loader) == LgMalloc.class
                    && (mode != SiteRewriter.Mode.VERIFY
                    || Class.forName(SiteRecorder.class.getName(), false, loader) == SiteRecorder.class);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Classes rewritten so far. */
    public int rewrittenClasses() {
        return rewritten.get();
    }

    /** Classes with planned sites that were left unchanged. */
    public int refusedClasses() {
        return refused.get();
    }
}
