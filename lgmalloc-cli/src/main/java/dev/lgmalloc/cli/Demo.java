package dev.lgmalloc.cli;

import dev.lgmalloc.commandline.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lgmalloc demo}: runs the message pipeline shipped inside lgmalloc.jar three times, each in a JVM of its
 * own so time and memory compare fairly: on lgmalloc under the agent (which prints what it predicted and routed
 * before main), on glibc's malloc through FFM critical downcalls, and on the JDK's {@code Arena} (one shared
 * arena per block, since blocks are freed by other threads). Then it prints the three side by side. Last,
 * transparent mode: a program written only against the JDK, run as it is and under the agent, side by side.
 */
@Command(name = "demo", description = {"Run an off-heap message pipeline on lgmalloc under its agent, on glibc"
        + " and on the JDK's Arena, each in a fresh JVM, and compare throughput and RSS; then transparent mode: a"
        + " program written only against the JDK, as it is and under the agent."})
final class Demo implements Callable<Integer> {

    @Option(names = "--quick", description = "a tenth of the timed part and of the requests: about a fifth of the time")
    boolean quick;

    @Spec
    CommandSpec spec;

    private static final String WORKLOAD = "dev.lgmalloc.demo.MessagePipeline";
    private static final String JDK_ONLY = "dev.lgmalloc.demo.JdkOnlyProgram";
    /**
     * Every run's JVM gets the same Java heap, touched in advance, as the benchmark suite's JVMs do. Otherwise the
     * peak RSS mostly measures how far G1 grew the heap, which follows how fast a run allocated the queue's boxed
     * entries: glibc's runs alone peaked anywhere from 246 to 317 MiB. With the heap fixed, what differs between
     * the runs is the allocator's memory and the agent's.
     */
    static final List<String> SAME_HEAP = List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch");

    private static List<String> withSameHeap(String... jvmArgs) {
        List<String> all = new ArrayList<>(SAME_HEAP);
        all.addAll(List.of(jvmArgs));
        return all;
    }

    record Run(String allocator, String title, long messages, double seconds, long peakRssKiB, long finalRssKiB) {
        double messagesPerSecond() {
            return messages / seconds;
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path self = EmbeddedJars.self();
        Path work = Files.createTempDirectory("lgmalloc-demo");
        try {
            Path workload = EmbeddedJars.extract(EmbeddedJars.DEMO, work);
            // The native peers and their adapters live in the benchmarks JAR; lgmalloc.jar holds lgmalloc alone.
            Path peers = EmbeddedJars.extract(EmbeddedJars.BENCHMARKS, work);
            // Timed long enough that the JIT has settled: at 10 s, compilation is a few percent of the samples.
            String seconds = quick ? "1" : "10";
            out.printf(Locale.ROOT, "lgmalloc demo: an off-heap message pipeline (2 producers -> 2 consumers; each "
                    + "message a 32-byte header, a 328-byte envelope and a 32 B-16 KiB payload; every free crosses "
                    + "threads), run three times in fresh JVMs, each timed for %s s after a warm-up of a quarter of "
                    + "that, so the JIT's start-up is not what is timed.%n%n", seconds);

            List<Run> runs = new ArrayList<>();
            out.println("[1/3] lgmalloc under its agent: before main the agent analyses the workload, configures the"
                    + " heaps and routes confident call sites");
            runs.add(runChild(out, WORKLOAD, "lgmalloc (agent)", withSameHeap(
                    "-javaagent:" + self + "=report,verbose,cache=" + work.resolve("plans")),
                    workload.toString(), "lgmalloc", seconds));
            out.println();
            out.println("[2/3] glibc malloc/free through FFM (critical downcalls, the fastest way Java reaches it)");
            runs.add(runChild(out, WORKLOAD, "glibc via FFM", withSameHeap(),
                    workload + java.io.File.pathSeparator + peers, "glibc-critical", seconds));
            out.println();
            out.println("[3/3] JDK Arena: one Arena.ofShared() per block, closed by the consumer to free it");
            runs.add(runChild(out, WORKLOAD, "JDK Arena.ofShared", withSameHeap(),
                    workload + java.io.File.pathSeparator + peers, "arena-shared", seconds));
            out.println();
            printComparison(out, runs, "same workload, fresh JVM each, each with the same 384 MiB Java heap "
                    + "touched in advance; RSS includes the JVM and that heap");

            out.println();
            out.println("Transparent mode: a program written only against the JDK (an arena per request with a struct"
                    + " and a C string for a strlen downcall, and a direct buffer per response), unmodified");
            long requests = quick ? 100_000 : 1_000_000;
            out.println("[1/2] as it is");
            List<Run> jdk = new ArrayList<>();
            jdk.add(runChild(out, JDK_ONLY, "JDK (no agent)", List.of(), workload.toString(),
                    Long.toString(requests)));
            out.println();
            out.println("[2/2] under lgmalloc's agent, which rewrites its Arena.ofConfined() and "
                    + "ByteBuffer.allocateDirect calls as the class loads");
            jdk.add(runChild(out, JDK_ONLY, "JDK under the agent", List.of("-javaagent:" + self
                    + "=verbose,analysis=sync,arena=on,direct=on,cache=" + work.resolve("plans")), workload.toString(),
                    Long.toString(requests)));
            out.println();
            printComparison(out, jdk, "same program, fresh JVM each; RSS includes the JVM itself");
            return 0;
        } finally {
            EmbeddedJars.deleteTree(work);
        }
    }

    private static Run runChild(PrintWriter out, String mainClass, String title, List<String> jvmArgs,
                                String classpath, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(EmbeddedJars.java());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> result = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result = fields(line.substring(7));
                } else if (!line.startsWith("WARNING:")) {
                    out.println("    " + line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("the " + title + " run failed (exit " + exit + ")");
        }
        Run run = new Run(result.get("allocator"), title, Long.parseLong(result.get("messages")),
                Double.parseDouble(result.get("seconds")), Long.parseLong(result.get("peakRssKiB")),
                Long.parseLong(result.get("finalRssKiB")));
        out.printf(Locale.ROOT, "    %,.0f messages/s, peak RSS %,d MiB, RSS after freeing everything %,d MiB%n",
                run.messagesPerSecond(), run.peakRssKiB() >> 10, run.finalRssKiB() >> 10);
        return run;
    }

    private static void printComparison(PrintWriter out, List<Run> runs, String how) {
        Run base = runs.getFirst();
        out.println("side by side (" + how + ")");
        out.printf(Locale.ROOT, "  %-20s %14s %22s %14s %16s%n", "allocator", "per second", "vs " + base.title(),
                "peak RSS MiB", "RSS after MiB");
        for (Run r : runs) {
            out.printf(Locale.ROOT, "  %-20s %,14.0f %21.2fx %,14d %,16d%n", r.title(), r.messagesPerSecond(),
                    r.messagesPerSecond() / base.messagesPerSecond(), r.peakRssKiB() >> 10, r.finalRssKiB() >> 10);
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                map.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return map;
    }
}
