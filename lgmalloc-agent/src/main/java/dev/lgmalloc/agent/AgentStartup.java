package dev.lgmalloc.agent;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.ReportWriter;
import dev.lgmalloc.analysis.jvm.FoundSite;
import dev.lgmalloc.analysis.jvm.JvmAnalysis;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import dev.lgmalloc.analysis.jvm.World;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the agent does before {@code main}, in order; see {@link LgMallocAgent}. Three ways to a plan, fastest
 * first: the routes file of a warm start ({@link RouteCache}: nothing to build), the cached plan ({@link PlanCache}:
 * the plan is built, then its routes stored), or analysis, in the background by default
 * ({@link BackgroundAnalysis}) or here. The first way runs on every warm start, so it avoids what loads many
 * classes for little work: lambdas, streams, {@code String.format}, and the analysis model.
 */
final class AgentStartup {

    private AgentStartup() {
    }

    static void start(AgentOptions options, Instrumentation inst) throws AnalysisException, IOException {
        long t0 = System.nanoTime();
        if (options.mode() == AgentOptions.Mode.OFF) {
            if (options.verbose()) {
                AgentLog.info("off");
            }
            return;
        }
        // First, so it sees every class that loads from here on; it needs no plan.
        dev.lgmalloc.agent.transparent.TransparentTransformer.install(inst, options.transparentFamilies(),
                options.exclude(), options.dryRun(), options.verbose());
        if (LgMalloc.isInitialized()) {
            AgentLog.info("lgmalloc was already in use before the agent started; nothing routed");
            return;
        }
        String classPath = System.getProperty("java.class.path", "");
        List<Path> entries = ApplicationClassPath.entriesOf(classPath);
        if (entries.isEmpty()) {
            AgentLog.info("no application classpath to analyse (module path applications are not supported); "
                    + "nothing routed");
            return;
        }
        Path agentJar = agentJar();
        String entryKey = ClassPathKey.of(entries, agentJar);
        Path dir = options.cacheDir();
        boolean plainRoute = options.mode() == AgentOptions.Mode.ROUTE && !options.report();
        // A plan file given on purpose comes before the cache, which may hold the plan of an older analyser.
        if (options.planFile() == null && dir != null && plainRoute && startFromRoutes(options, inst, entryKey, t0)) {
            return;
        }
        ApplicationClassPath cp = ApplicationClassPath.of(classPath);
        String key = ClassPathKey.of(cp.files(), agentJar);
        RouteTarget routeTarget = new RouteTarget(entryKey, key, cp.manifestFiles());
        if (options.planFile() != null) {
            try {
                AnalysedProgram planned = PlanFile.load(options.planFile(), cp);
                apply(planned, "plan " + options.planFile(), options, inst, routeTarget, "premain", t0);
                return;
            } catch (PlanFile.PlanMismatchException e) {
                AgentLog.info(e.getMessage() + "; analysing the class path instead");   // said whether verbose or not
            }
        }
        PlanCache cache = dir == null ? null : new PlanCache(dir);
        AnalysedProgram program = cache == null ? null : cache.load(key).orElse(null);
        if (program != null) {
            apply(program, "plan from cache " + key, options, inst, routeTarget, "premain", t0);
            return;
        }
        if (options.analysesInBackground()) {
            Thread worker = BackgroundAnalysis.start(cp, options, inst, routeTarget);
            // Wait a little: a small application's analysis ends in time and routes its very first start.
            try {
                if (options.analysisWaitMillis() > 0) {        // join(0) would wait for ever
                    worker.join(options.analysisWaitMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (options.verbose()) {
                AgentLog.info("no cached plan for " + key + "; " + (worker.isAlive()
                        ? "analysing " + describeEntries(cp) + " in the background"
                        : "analysed " + describeEntries(cp) + " before main")
                        + "; premain " + millisSince(t0) + " ms");
            }
            return;
        }
        long a0 = System.nanoTime();
        program = analyse(cp);
        String source = "analysed " + describeEntries(cp) + " in " + millisSince(a0) + " ms";
        store(cache, key, program);
        apply(program, source, options, inst, routeTarget, "premain", t0);
    }

    /**
     * Where a plan's routes go: the key of the {@code java.class.path} entries, the full key and the files
     * manifests added (see {@link RouteCache#file}).
     */
    record RouteTarget(String entryKey, String key, List<Path> manifestFiles) {
    }

    /** The warm start: configure and route from the routes file alone. False on a miss. */
    private static boolean startFromRoutes(AgentOptions options, Instrumentation inst, String entryKey, long t0) {
        RouteCache.Routes routes = RouteCache.load(options.cacheDir(), entryKey, options.threshold());
        if (routes == null) {
            return false;
        }
        LgMalloc.configure(routes.configuration());
        install(inst, routes.classes(), SiteRewriter.Mode.ROUTE, options, true);
        if (options.verbose()) {
            AgentLog.info(new StringBuilder("plan from cache ").append(entryKey).append(" (routes); ")
                    .append(routes.summary()).append("; premain ").append(millisSince(t0)).append(" ms").toString());
        }
        return true;
    }

    static void store(PlanCache cache, String key, AnalysedProgram program) {
        if (cache != null) {
            try {
                cache.store(key, program);
            } catch (IOException e) {
                AgentLog.info("cannot write the plan cache " + cache.file(key) + ": " + AgentLog.describe(e));
            }
        }
    }

    /**
     * Builds the plan of {@code program}, configures the allocator with it and installs the transformer; in plain
     * route mode it also stores the routes, so that the next start needs none of this.
     *
     * @throws IllegalStateException when lgmalloc is already in use (the plan's classes can no longer be set)
     */
    static void apply(AnalysedProgram program, String source, AgentOptions options, Instrumentation inst,
                      RouteTarget target, String timed, long t0) {
        String key = target.key();
        Path profileFile = options.cacheDir() == null ? null : options.cacheDir().resolve(key + ".profile");
        ProfileFeedback feedback = ProfileFeedback.load(profileFile);
        List<FoundSite> sites = feedback.apply(program.sites());
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(sites, program.classCrcs(), program.warnings()),
                options.threshold());
        LgMalloc.configure(plan.configuration());
        if (options.report()) {
            StringBuilder sb = new StringBuilder();
            ReportWriter.text(new AnalysisResult(System.getProperty("java.class.path", ""), "application classpath",
                    sites.stream().map(FoundSite::site).toList(), program.warnings(), plan.plan()), sb);
            System.err.print(sb);
        }
        SiteRewriter.Mode mode = options.mode() == AgentOptions.Mode.VERIFY ? SiteRewriter.Mode.VERIFY
                : SiteRewriter.Mode.ROUTE;
        if (mode == SiteRewriter.Mode.VERIFY) {
            installVerification(plan, options, key, profileFile);
        }
        install(inst, plan.classes(), mode, options, timed.equals("premain"));
        // Concatenation, not String.format: this runs in premain, where the formatter's classes cost a cold JVM.
        String summary = (feedback.isEmpty() ? "" : "with profile feedback; ") + plan.sites().size() + " sites, "
                + plan.plan().routedSites().size() + " routed, " + plan.fastPathSites() + " on a fast path; "
                + "exact classes " + Arrays.toString(plan.plan().exactSizes()) + "; provisioned "
                + Arrays.toString(plan.configuration().provisionedBlockSizes());
        if (options.mode() == AgentOptions.Mode.ROUTE && !options.report() && options.cacheDir() != null) {
            try {
                RouteCache.store(options.cacheDir(), target.entryKey(), key, target.manifestFiles(),
                        options.threshold(), plan, summary);
            } catch (IOException | RuntimeException e) { // routing is installed already: only the next start loses
                AgentLog.info("cannot write the route cache: " + AgentLog.describe(e));
            }
        }
        if (options.verbose()) {
            AgentLog.info(source + "; " + summary + "; " + timed + " " + millisSince(t0) + " ms");
        }
    }

    /**
     * Adds the transformer, and retransforms the classes with sites that are already loaded.
     *
     * @param premain whether no application thread runs yet: then the transformer is retransformation-incapable
     *                when no class with sites is loaded, so the JVM keeps the rewritten bytes of each class as its
     *                own and reuses them if another agent retransforms it, after this transformer is gone
     */
    private static void install(Instrumentation inst, Map<String, RoutingPlan.ClassSites> classes,
                                SiteRewriter.Mode mode, AgentOptions options, boolean premain) {
        // The transformer removes itself once it has seen every class with sites (RoutingTransformer).
        if (classes.isEmpty() && mode == SiteRewriter.Mode.ROUTE) {
            return; // nothing to rewrite: no transformer to call on every class load
        }
        RoutingTransformer transformer = new RoutingTransformer(classes, mode, options.verbose(), inst);
        if (premain && loadedWithSites(inst, classes).isEmpty()) {
            inst.addTransformer(transformer, false);
            return;
        }
        boolean retransform = inst.isRetransformClassesSupported();
        inst.addTransformer(transformer, retransform);
        // After adding: a class loading meanwhile is transformed, retransformed too at worst (from its original
        // bytes, so the same result), never missed.
        List<Class<?>> loaded = retransform ? loadedWithSites(inst, classes) : List.of();
        if (!loaded.isEmpty()) {
            try {
                inst.retransformClasses(loaded.toArray(Class<?>[]::new));
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                AgentLog.info("cannot rewrite already loaded classes " + loaded + ": " + AgentLog.describe(e));
            }
        }
    }

    static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Analyses the classpath and records the CRC of each class with sites, as the system loader sees it. */
    static AnalysedProgram analyse(ApplicationClassPath cp) throws AnalysisException {
        return analyse(cp, ClassLoader.getSystemClassLoader());
    }

    /**
     * Analyses the classpath and records the CRC of each class with sites as {@code loader} would load it. The
     * threshold is applied later, when a plan is built from the sites, so the analysis does not depend on it.
     */
    static AnalysedProgram analyse(ApplicationClassPath cp, ClassLoader loader) throws AnalysisException {
        // The application's class path is the whole program: public methods of its libraries take the arguments
        // of the callers on it (a library analysed on its own would be an open world).
        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(analysedEntries(cp), PlanBuilder.DEFAULT_THRESHOLD,
                World.CLOSED);
        Map<String, Long> crcs = new LinkedHashMap<>();
        // lgmalloc's own classes (on the classpath with the application) are never rewritten: leave them out.
        List<FoundSite> sites = new ArrayList<>(); // a loop, not a stream: premain, cold JVM
        for (FoundSite f : analysis.sites()) {
            if (!RoutingTransformer.isSkippedName(f.location().className())) {
                sites.add(f);
            }
        }
        for (FoundSite f : sites) {
            String name = f.location().className();
            if (!crcs.containsKey(name)) {
                byte[] bytes = resourceBytes(loader, name);
                if (bytes != null) {
                    crcs.put(name, Crc.of(bytes));
                }
            }
        }
        return new AnalysedProgram(sites, crcs, analysis.result().warnings());
    }

    private static byte[] resourceBytes(ClassLoader loader, String internalName) {
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static void installVerification(RoutingPlan plan, AgentOptions options, String key, Path profileFile) {
        VerificationReport.install(plan);
        Path json = options.reportFile() != null ? options.reportFile()
                : options.cacheDir() == null ? null : options.cacheDir().resolve(key + ".verify.json");
        VerificationReport report = new VerificationReport(plan);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> report.emit(json, profileFile),
                "lgmalloc-verification-report"));
    }

    /**
     * Classes with sites that loaded before the transformer: the main class under Launcher-Agent-Class, and
     * every class that loaded while a background analysis ran.
     */
    private static List<Class<?>> loadedWithSites(Instrumentation inst, Map<String, RoutingPlan.ClassSites> classes) {
        List<Class<?>> loaded = new ArrayList<>();
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            ClassLoader l = c.getClassLoader(); // JDK classes first: most loaded classes, and never planned
            if (l != null && l != platform && !c.isHidden() && !c.isArray()
                    && classes.containsKey(c.getName().replace('.', '/'))
                    && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        return loaded;
    }

    /**
     * The class path entries to analyse: all of them but the agent's own JAR when it is one, holding lgmalloc's
     * classes alone. The README puts it on the class path for the JDK's AOT cache (whose classes must come from the
     * class path), and its classes are never rewritten: analysing them doubled a small program's analysis (279
     * against 126 ms). A JAR that carries the agent beside an application's classes is analysed as any other.
     */
    static List<Path> analysedEntries(ApplicationClassPath cp) {
        Path own = OwnJar.PATH;
        return withoutOwnJar(cp, own, own != null && cp.entries().contains(own) && OwnJar.ONLY_LGMALLOC);
    }

    /** The agent's own JAR and whether it holds lgmalloc's classes alone: found and read once, on first need. */
    private static final class OwnJar {
        static final Path PATH = agentJar();
        static final boolean ONLY_LGMALLOC = PATH != null && holdsOnlyLgmalloc(PATH);
    }

    /** {@link #analysedEntries(ApplicationClassPath)} with the agent's JAR given (its contents read now). */
    static List<Path> analysedEntries(ApplicationClassPath cp, Path own) {
        return withoutOwnJar(cp, own, own != null && cp.entries().contains(own) && holdsOnlyLgmalloc(own));
    }

    private static List<Path> withoutOwnJar(ApplicationClassPath cp, Path own, boolean leaveOut) {
        if (!leaveOut) {
            return cp.entries();
        }
        List<Path> others = new ArrayList<>(cp.entries());
        others.remove(own);
        return others;
    }

    /** "N classpath entries", and whether the agent's own JAR was left out of the analysis. */
    static String describeEntries(ApplicationClassPath cp) {
        int analysed = analysedEntries(cp).size();
        return cp.files().size() + " classpath entries"
                + (analysed < cp.entries().size() ? " (not the agent's own JAR)" : "");
    }

    /** Whether every class in the JAR is lgmalloc's ({@code dev/lgmalloc/}, also under a release directory). */
    static boolean holdsOnlyLgmalloc(Path jar) {
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile(), false)) {
            for (var e = file.entries(); e.hasMoreElements();) {
                String name = e.nextElement().getName();
                if (name.startsWith("META-INF/versions/")) {
                    int release = name.indexOf('/', "META-INF/versions/".length());
                    name = release < 0 ? "" : name.substring(release + 1);
                }
                if (name.endsWith(".class") && !name.equals("module-info.class") && !name.startsWith("dev/lgmalloc/")) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The agent's own JAR (or class directory), part of the cache key: a new agent analyses afresh. */
    private static Path agentJar() {
        try {
            var source = LgMallocAgent.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
