package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Launches JVMs with the shaded agent on a sample application compiled here, and checks from their output and
 * the verification report that confident sites were routed, the plan configured the allocator, wrong predictions
 * still run correctly, {@code -Xverify:all} passes and the second start hits the cache.
 */
class AgentEndToEndTest {

    private static final String MAIN = """
            package app;

            import dev.lgmalloc.AllocatorStatistics;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.MemorySegment;

            public class Main {
                static final long HEADER = 300;          // inlined by javac: predicted {300}, an exact class

                public static void main(String[] args) throws Exception {
                    int rounds = Integer.parseInt(args[0]);
                    long runtimeSize = Long.parseLong(args[1]);
                    // A fresh thread allocating only an unpredicted size: its heap shows what is pre-provisioned.
                    long[] pages = new long[1];
                    Thread t = new Thread(() -> {
                        long p = LgMalloc.malloc(runtimeSize * 3);
                        for (AllocatorStatistics.HeapStatistics h : LgMalloc.statistics().heapDetails()) {
                            if (h.owner().contains("provisioning-probe")) {
                                pages[0] = h.pages();
                            }
                        }
                        LgMalloc.free(p);
                    }, "provisioning-probe");
                    t.start();
                    t.join();
                    long checksum = 0;
                    for (int i = 0; i < rounds; i++) {
                        long a = LgMalloc.malloc(HEADER);
                        long b = LgMalloc.malloc(args.length > 5 ? 40 : 48);
                        long c = LgMalloc.malloc(runtimeSize);
                        checksum += fill(a, HEADER, i) + fill(b, 48, i) + fill(c, runtimeSize, i);
                        LgMalloc.free(a);
                        LgMalloc.free(b);
                        LgMalloc.free(c);
                    }
                    System.out.println("checksum=" + checksum);
                    System.out.println("probe-pages=" + pages[0]);
                    System.out.println("predicted-hits=" + LgMalloc.statistics().predictedHits());
                    for (AllocatorStatistics.ClassStatistics c : LgMalloc.statistics().classes()) {
                        System.out.println("class block=" + c.blockSize() + " exact=" + c.exact());
                    }
                }

                /** Writes every byte and reads them back: a block smaller than asked would corrupt a neighbour. */
                static long fill(long address, long size, int round) {
                    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size);
                    for (long j = 0; j < size; j++) {
                        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, j, (byte) (j + round));
                    }
                    long sum = 0;
                    for (long j = 0; j < size; j++) {
                        sum += s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, j);
                    }
                    return sum;
                }
            }
            """;

    /** Two virtual threads allocate; how many carriers' heaps there are then. */
    private static final String ON_VIRTUAL_THREADS = """
            package app;

            import dev.lgmalloc.AllocatorStatistics.HeapStatistics.Kind;
            import dev.lgmalloc.LgMalloc;

            public class OnVirtualThreads {
                public static void main(String[] args) throws Exception {
                    for (int i = 0; i < 2; i++) {      // the first call makes its carrier's heap, the next uses it
                        Thread.ofVirtual().start(() -> LgMalloc.free(LgMalloc.malloc(64))).join();
                    }
                    System.out.println("carrier-heaps=" + LgMalloc.statistics().heapDetails().stream()
                            .filter(h -> h.kind() == Kind.CARRIER).count());
                }
            }
            """;

    /** Reports whether a plan was cached when main started, then waits (at most 50 s) until one is. */
    private static final String WAITER = """
            package app;

            import java.nio.file.Files;
            import java.nio.file.Path;

            public class Waiter {
                public static void main(String[] args) throws Exception {
                    Path cache = Path.of(args[0]);
                    System.err.println("main started; cached plans: " + plans(cache));
                    // Wait for the agent's analysis thread to finish (plan cached and routing applied), not for
                    // the plan file: it is written before routing is applied and reported.
                    for (Thread t : Thread.getAllStackTraces().keySet()) {
                        if (t.getName().equals("lgmalloc-agent-analysis")) {
                            t.join(50_000);
                        }
                    }
                    System.err.println("main ends; cached plans: " + plans(cache));
                }

                static long plans(Path cache) throws Exception {
                    if (!Files.isDirectory(cache)) {
                        return 0;
                    }
                    try (var s = Files.list(cache)) {
                        return s.filter(p -> p.toString().endsWith(".plan")).count();
                    }
                }
            }
            """;

    private static final Pattern CHECKSUM = Pattern.compile("checksum=(-?\\d+)");

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compileApp() throws IOException {
        classes = dir.resolve("classes");
        TestApps.compile(dir.resolve("src"), classes, List.<String[]>of(new String[]{"app/Main.java", MAIN},
                new String[]{"app/Waiter.java", WAITER}));
        // Apart, so that its allocation site is not in the other tests' plans.
        TestApps.compile(dir.resolve("src-virtual"), dir.resolve("virtual-classes"),
                List.<String[]>of(new String[]{"app/OnVirtualThreads.java", ON_VIRTUAL_THREADS}));
    }

    private static TestApps.Run run(String agentOptions, String... appArgs) throws Exception {
        TestApps.Run r = runAllowingErrors(agentOptions, appArgs);
        assertThat(r.stderr()).as("%s", r).doesNotContain("VerifyError", "Exception", "left app/");
        return r;
    }

    /** Runs the app with the agent; only a clean exit is required. */
    private static TestApps.Run runAllowingErrors(String agentOptions, String... appArgs) throws Exception {
        return runOn(appClassPath(classes), agentOptions, appArgs);
    }

    private static String appClassPath(Path appClasses) {
        return appClasses + java.io.File.pathSeparator + TestApps.coreClasses();
    }

    /** Runs the app from {@code classPath} with the agent; only a clean exit is required. */
    private static TestApps.Run runOn(String classPath, String agentOptions, String... appArgs) throws Exception {
        List<String> args = new ArrayList<>();
        if (agentOptions != null) {
            args.add("-javaagent:" + TestApps.agentJar() + "=" + agentOptions);
        }
        args.addAll(List.of("-Xverify:all", "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", classPath, "app.Main"));
        args.addAll(List.of(appArgs));
        TestApps.Run r = TestApps.java(dir, args);
        assertThat(r.exitCode()).as("%s", r).isZero();
        return r;
    }

    private static String checksum(TestApps.Run r) {
        Matcher m = CHECKSUM.matcher(r.stdout());
        assertThat(m.find()).as("%s", r).isTrue();
        return m.group(1);
    }

    @Test
    void underTheAgentVirtualThreadsAllocateFromTheirCarriersHeaps() throws Exception {
        // The agent exports jdk.internal.access to lgmalloc in premain; a plain JVM does not.
        List<String> app = List.of("--enable-native-access=ALL-UNNAMED", "-cp",
                appClassPath(dir.resolve("virtual-classes")), "app.OnVirtualThreads");
        List<String> agent = new ArrayList<>(List.of("-javaagent:" + TestApps.agentJar() + "=cache=off"));
        agent.addAll(app);
        TestApps.Run underAgent = TestApps.java(dir, agent);
        TestApps.Run plain = TestApps.java(dir, app);
        assertThat(underAgent.exitCode()).as("%s", underAgent).isZero();
        assertThat(plain.exitCode()).as("%s", plain).isZero();
        assertThat(underAgent.stdout()).as("%s", underAgent).containsPattern("carrier-heaps=[12]\\n");
        assertThat(plain.stdout()).as("%s", plain).contains("carrier-heaps=0");
    }

    @Test
    void aSmallApplicationsVeryFirstStartIsRouted() throws Exception {
        // No cached plan and the default options: premain waits for the background analysis, which ends in time.
        Path cache = dir.resolve("cache-first-start");
        TestApps.Run plain = run(null, "200", "1000");
        TestApps.Run first = run("verbose,analysis-wait=60000,cache=" + cache, "200", "1000");
        assertThat(checksum(first)).isEqualTo(checksum(plain));
        assertThat(first.stderr()).as("%s", first).contains("analysed 2 classpath entries before main")
                .contains("rewrote 2 site(s) of app/Main");
        assertThat(first.stdout()).contains("predicted-hits=400").contains("class block=304 exact=true");
    }

    @Test
    void aPlanWrittenAheadOfTimeRoutesTheFirstStartFromItsFirstAllocation() throws Exception {
        Path planFile = dir.resolve("ahead/app.plan");
        PlanFile.Written written = PlanFile.write(ApplicationClassPath.of(appClassPath(classes)), planFile);
        assertThat(written.sites()).isEqualTo(4);    // as "4 sites, 2 routed" of an analysing start
        // No cache and no wait: without the plan, main would start unrouted while the analysis runs.
        String options = "verbose,cache=off,analysis-wait=0,plan=" + planFile;
        TestApps.Run plain = run(null, "200", "1000");
        TestApps.Run planned = run(options, "200", "1000");
        TestApps.Run unplanned = run("verbose,cache=off,analysis-wait=0", "200", "1000");

        assertThat(checksum(planned)).isEqualTo(checksum(plain));
        assertThat(planned.stderr()).as("%s", planned).contains("plan " + planFile).doesNotContain("analys")
                .contains("2 on a fast path").contains("rewrote 2 site(s) of app/Main");
        assertThat(planned.stdout()).contains("predicted-hits=400").contains("class block=304 exact=true")
                .contains("probe-pages=3");
        assertThat(unplanned.stdout()).as("%s", unplanned).contains("predicted-hits=0");
    }

    @Test
    void aPlanForAnotherClassPathIsRefusedWithTheReasonAndTheApplicationStillRuns() throws Exception {
        Path planFile = dir.resolve("stale/app.plan");
        Path copy = dir.resolve("stale/classes");
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.createDirectories(copy.resolve(classes.relativize(f)).getParent());
                Files.copy(f, copy.resolve(classes.relativize(f)));
            }
        }
        PlanFile.write(ApplicationClassPath.of(appClassPath(copy)), planFile);
        // A class that callers of Main could be: the plan no longer describes the whole program.
        Files.writeString(copy.resolve("app/extra.properties"), "added after the plan");
        TestApps.Run plain = run(null, "20", "100");
        TestApps.Run stale = runOn(appClassPath(copy), "verbose,cache=off,analysis=sync,plan=" + planFile, "20", "100");
        assertThat(stale.exitCode()).isZero();
        assertThat(stale.stderr()).as("%s", stale).contains("the plan " + planFile
                + " was written for another class path: classes changed since the plan was written (its content differs); "
                + "analysing the class path instead").contains("rewrote 2 site(s) of app/Main");
        assertThat(checksum(stale)).isEqualTo(checksum(plain));

        Path notAPlan = dir.resolve("stale/not.plan");
        Files.writeString(notAPlan, "hello");
        TestApps.Run refused = runOn(appClassPath(copy), "cache=off,analysis=sync,plan=" + notAPlan, "20", "100");
        assertThat(refused.stderr()).contains(notAPlan + " is not an lgmalloc plan");
        assertThat(checksum(refused)).isEqualTo(checksum(plain));
    }

    @Test
    void routesConfidentSitesConfiguresThePlanAndReusesTheCache() throws Exception {
        Path cache = dir.resolve("cache-route");
        TestApps.Run plain = run(null, "200", "1000");
        TestApps.Run first = run("verbose,analysis=sync,cache=" + cache, "200", "1000");
        TestApps.Run second = run("verbose,cache=" + cache, "200", "1000");

        assertThat(checksum(first)).isEqualTo(checksum(plain));
        assertThat(checksum(second)).isEqualTo(checksum(plain));
        assertThat(first.stderr()).contains("analysed ").doesNotContain("plan from cache")
                .contains("2 on a fast path").contains("exact classes [304]")
                .contains("rewrote 2 site(s) of app/Main");
        // The first start stored the routes too: the second needs neither analysis nor plan building.
        assertThat(second.stderr()).contains("plan from cache").contains("(routes)").doesNotContain("analysed ")
                .contains("2 on a fast path").contains("rewrote 2 site(s) of app/Main");
        assertThat(second.stdout()).contains("predicted-hits=400").contains("class block=304 exact=true")
                .contains("probe-pages=3");
        // The plan's exact class exists only with the agent; the probe thread's heap got pages for the
        // predicted classes (304 and 48) besides the one it used.
        assertThat(first.stdout()).contains("class block=304 exact=true");
        // Both routed sites ran on their fast path every round; without the agent nothing is routed.
        assertThat(first.stdout()).contains("predicted-hits=400");
        assertThat(plain.stdout()).contains("predicted-hits=0");
        assertThat(plain.stdout()).doesNotContain("exact=true").contains("probe-pages=1");
        assertThat(first.stdout()).contains("probe-pages=3");
    }

    @Test
    void verifyModeReportsAccuracyAndFeedsTheNextStart() throws Exception {
        Path cache = dir.resolve("cache-verify");
        Path report = dir.resolve("verify.json");
        TestApps.Run plain = run(null, "50", "700");
        TestApps.Run verify = run("verify,verbose,cache=" + cache + ",report-file=" + report, "50", "700");

        assertThat(checksum(verify)).isEqualTo(checksum(plain));
        assertThat(verify.stderr()).contains("prediction accuracy")
                .contains("constant predictions: 50 of 50 requests matched (100.0%)")
                .contains("fast-path sites: 100 of 100 requests in class (100.0%)");
        String json = Files.readString(report);
        // Calibration: the confident sites that ran (HEADER's and the {40, 48} one) always held.
        assertThat(verify.stderr()).contains("calibration (sites with a known prediction that ran)");
        assertThat(json).contains("\"calibration\":[{\"from\":0.95,\"to\":1.00,\"sites\":2,\"sitesAlwaysInSet\":2,"
                + "\"requests\":100,\"requestsInSet\":100}");
        assertThat(json).contains("\"predicted\":\"{300}\",\"sizeClass\"")
                .containsPattern("\"predicted\":\"\\?\"[^}]*\"calls\":50,[^}]*\"sizes\":\\{\"700\":50}");

        // The unpredicted site asked for 700 every time: the next start routes it from the profile.
        TestApps.Run next = run("verbose,cache=" + cache, "50", "700");
        assertThat(next.stderr()).contains("with profile feedback").contains("3 on a fast path")
                .contains("rewrote 3 site(s) of app/Main");
        assertThat(checksum(next)).isEqualTo(checksum(plain));
    }

    @Test
    void aWrongPlanStillRunsCorrectly() throws Exception {
        Path cache = dir.resolve("cache-wrong");
        TestApps.Run plain = run(null, "100", "5000");
        // A cold start analyses in the background; the JVM's exit waits for it, so the plan is cached.
        run("cache=" + cache, "100", "5000");
        // Make the cached prediction of the HEADER site wrong: 32 bytes instead of 300. The class file is
        // unchanged, so the agent trusts the plan and routes the site to the 32-byte class.
        Path planFile;
        try (Stream<Path> s = Files.list(cache)) {
            planFile = s.filter(p -> p.toString().endsWith(".plan")).findFirst().orElseThrow();
        }
        String plan = Files.readString(planFile);
        assertThat(plan).contains("\t300\t");
        Files.writeString(planFile, plan.replace("\t300\t", "\t32\t"));

        Path report = dir.resolve("wrong.json");
        TestApps.Run wrong = run("verify,verbose,cache=" + cache + ",report-file=" + report, "100", "5000");
        assertThat(wrong.stderr()).contains("plan from cache").contains("rewrote 4 site(s) of app/Main");
        assertThat(checksum(wrong)).isEqualTo(checksum(plain));
        assertThat(Files.readString(report)).contains(
                "\"predicted\":\"{32}\",\"sizeClass\":1,\"blockSize\":32,\"confidence\":1.0000,\"routed\":true,"
                        + "\"fastPath\":true,\"calls\":100,\"inPredictedSet\":0,\"inPredictedClass\":0");
    }

    @Test
    void runsAsLauncherAgentOfAnExecutableJar() throws Exception {
        Path jarDir = Files.createDirectories(dir.resolve("jar"));
        Files.copy(TestApps.agentJar(), jarDir.resolve("lgmalloc-agent.jar"));
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(Attributes.Name.MAIN_CLASS, "app.Main");
        a.put(Attributes.Name.CLASS_PATH, "lgmalloc-agent.jar");
        a.putValue("Launcher-Agent-Class", "dev.lgmalloc.agent.LgMallocAgent");
        a.putValue("Enable-Native-Access", "ALL-UNNAMED");
        Path app = jarDir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(app), m);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        TestApps.Run r = TestApps.java(jarDir, List.of("-Dlgmalloc.agent=verbose,analysis=sync,cache="
                + jarDir.resolve("cache"),
                "-Xverify:all", "-jar", app.toString(), "20", "900"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stderr()).as("%s", r).contains("2 on a fast path").contains("rewrote 2 site(s) of app/Main")
                .doesNotContain("WARNING");
        assertThat(r.stdout()).contains("class block=304 exact=true");
    }

    @Test
    void aColdStartAnalysesInTheBackgroundWhileMainRuns() throws Exception {
        Path cache = dir.resolve("cache-background");
        // A large real JAR on the classpath makes the analysis take far longer than reaching main.
        Path netty = Path.of(io.netty.buffer.ByteBuf.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // analysis-wait=0: main starts at once, the analysis runs beside it (the default waits up to a second).
        List<String> args = List.of("-javaagent:" + TestApps.agentJar() + "=verbose,analysis-wait=0,cache=" + cache,
                "--enable-native-access=ALL-UNNAMED", "-cp", classes + java.io.File.pathSeparator
                        + TestApps.coreClasses() + java.io.File.pathSeparator + netty, "app.Waiter", cache.toString());
        TestApps.Run cold = TestApps.java(dir, args);
        assertThat(cold.exitCode()).as("%s", cold).isZero();
        String err = cold.stderr();
        assertThat(err).as("%s", cold).contains("analysing 3 classpath entries in the background")
                .contains("main started; cached plans: 0").contains("main ends; cached plans: 1")
                .doesNotContain("Exception", "failed");
        // main ran before the analysis finished, and the finished analysis routed (lgmalloc was still unused).
        assertThat(err.indexOf("main started")).isLessThan(err.indexOf("background analysis of 3 classpath entries"));
        assertThat(err).contains("2 on a fast path; exact classes [304]");

        TestApps.Run warm = TestApps.java(dir, args);
        assertThat(warm.exitCode()).as("%s", warm).isZero();
        assertThat(warm.stderr()).contains("plan from cache").contains("main started; cached plans: 1")
                .doesNotContain("background");
    }

    @Test
    void badOptionsDisableTheAgentButNotTheApplication() throws Exception {
        TestApps.Run plain = run(null, "10", "64");
        TestApps.Run bad = runAllowingErrors("threshold=banana", "10", "64");
        assertThat(bad.stderr()).contains("[lgmalloc-agent] disabled, the application runs without routing: "
                + "threshold must be a number in (0, 1], not 'banana'");
        assertThat(checksum(bad)).isEqualTo(checksum(plain));
        assertThat(bad.stdout()).doesNotContain("exact=true");
        TestApps.Run off = run("off,verbose", "10", "64");
        assertThat(off.stderr()).contains("[lgmalloc-agent] off").doesNotContain("rewrote");
    }
}
