package dev.lgmalloc.agent;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.ReportWriter;
import dev.lgmalloc.analysis.jvm.FoundSite;
import dev.lgmalloc.analysis.jvm.JvmAnalysis;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
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
import java.util.Locale;
import java.util.Map;

/** What the agent does before {@code main}, in order; see {@link LgMallocAgent}. */
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
        if (LgMalloc.isInitialized()) {
            AgentLog.info("lgmalloc was already in use before the agent started; nothing routed");
            return;
        }
        ApplicationClassPath cp = ApplicationClassPath.ofRunningJvm();
        if (cp.isEmpty()) {
            AgentLog.info("no application classpath to analyse (module path applications are not supported); "
                    + "nothing routed");
            return;
        }
        String key = ClassPathKey.of(cp.files(), agentJar());
        PlanCache cache = options.cacheDir() == null ? null : new PlanCache(options.cacheDir());
        AnalysedProgram program = cache == null ? null : cache.load(key).orElse(null);
        String source = "plan from cache " + key;
        if (program == null) {
            long a0 = System.nanoTime();
            program = analyse(cp, options.threshold());
            source = String.format(Locale.ROOT, "analysed %d classpath entries in %d ms", cp.files().size(),
                    (System.nanoTime() - a0) / 1_000_000);
            if (cache != null) {
                try {
                    cache.store(key, program);
                } catch (IOException e) {
                    AgentLog.info("cannot write the plan cache " + cache.file(key) + ": " + AgentLog.describe(e));
                }
            }
        }
        Path profileFile = options.cacheDir() == null ? null : options.cacheDir().resolve(key + ".profile");
        ProfileFeedback feedback = ProfileFeedback.load(profileFile);
        List<FoundSite> sites = feedback.apply(program.sites());
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(sites, program.classCrcs(), program.warnings()),
                options.threshold());
        LgMalloc.configure(plan.configuration());
        if (options.report()) {
            StringBuilder sb = new StringBuilder();
            ReportWriter.text(new AnalysisResult(String.join(java.io.File.pathSeparator,
                    cp.entries().stream().map(Path::toString).toList()), "application classpath",
                    sites.stream().map(FoundSite::site).toList(), program.warnings(), plan.plan()), sb);
            System.err.print(sb);
        }
        SiteRewriter.Mode mode = options.mode() == AgentOptions.Mode.VERIFY ? SiteRewriter.Mode.VERIFY
                : SiteRewriter.Mode.ROUTE;
        if (mode == SiteRewriter.Mode.VERIFY) {
            installVerification(plan, options, key, profileFile);
        }
        RoutingTransformer transformer = new RoutingTransformer(plan, mode, options.verbose());
        inst.addTransformer(transformer, inst.isRetransformClassesSupported());
        retransformLoaded(inst, plan);
        if (options.verbose()) {
            AgentLog.info(String.format(Locale.ROOT,
                    "%s%s; %d sites, %d routed, %d on a fast path; exact classes %s; provisioned %s; premain %d ms",
                    source, feedback.isEmpty() ? "" : " with profile feedback", plan.sites().size(),
                    plan.plan().routedSites().size(), plan.fastPathSites(),
                    Arrays.toString(plan.plan().exactSizes()),
                    Arrays.toString(plan.configuration().provisionedBlockSizes()),
                    (System.nanoTime() - t0) / 1_000_000));
        }
    }

    /** Analyses the classpath and records the CRC of each class with sites, as the system loader sees it. */
    static AnalysedProgram analyse(ApplicationClassPath cp, double threshold) throws AnalysisException {
        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(cp.entries(), threshold);
        Map<String, Long> crcs = new LinkedHashMap<>();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        // lgmalloc's own classes (on the classpath with the application) are never rewritten: leave them out.
        List<FoundSite> sites = analysis.sites().stream()
                .filter(f -> !RoutingTransformer.isSkippedName(f.location().className())).toList();
        for (FoundSite f : sites) {
            String name = f.location().className();
            if (!crcs.containsKey(name)) {
                byte[] bytes = resourceBytes(system, name);
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

    /** Classes with sites that loaded before the transformer (the main class, under Launcher-Agent-Class). */
    private static void retransformLoaded(Instrumentation inst, RoutingPlan plan) {
        if (!inst.isRetransformClassesSupported()) {
            return;
        }
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (!c.isHidden() && !c.isArray() && plan.sitesOf(c.getName().replace('.', '/')) != null
                    && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                inst.retransformClasses(loaded.toArray(Class<?>[]::new));
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                AgentLog.info("cannot rewrite already loaded classes " + loaded + ": " + AgentLog.describe(e));
            }
        }
    }

    /** The agent's own JAR (or class directory), part of the cache key: a new agent analyses afresh. */
    private static Path agentJar() {
        try {
            var source = LgMallocAgent.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
