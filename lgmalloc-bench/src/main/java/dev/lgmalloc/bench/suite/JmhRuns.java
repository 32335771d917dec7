package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.Peers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs the JMH microbenchmarks of the suite in a JMH process of their own (JMH forks a JVM per allocator and
 * parameter, and the forks inherit the glibc tunable jemalloc needs): the peer pair, batch and live set with 1
 * and 2 threads, Netty and the JDK arenas through their own APIs, and producer/consumer. Full mode uses the
 * benchmarks' own warm-up, measurement and forks; quick mode is a smoke run of one short iteration.
 */
final class JmhRuns {

    /** The peers {@code PeerState} has as parameter values (Netty is measured by {@link dev.lgmalloc.bench.NettyBenchmark}). */
    private static final Set<String> NATIVE_AND_ARENA_PEERS = Set.of("lgmalloc", "glibc", "glibc-critical",
            "jemalloc", "jemalloc-critical", "mimalloc", "mimalloc-critical", "tcmalloc", "tcmalloc-critical",
            "arena-confined", "arena-shared");

    private final SuiteOptions options;
    private final SuiteResults results;
    private final PrintWriter out;

    JmhRuns(SuiteOptions options, SuiteResults results, PrintWriter out) {
        this.options = options;
        this.results = results;
        this.out = out;
    }

    /** Runs the JMH runs one after another; a run that fails is recorded as a failure and the others still run. */
    void runAll() throws IOException, InterruptedException {
        List<String> peers = options.allocators().stream().filter(NATIVE_AND_ARENA_PEERS::contains)
                .filter(p -> Peers.byName(p).orElseThrow().unavailableReason().isEmpty()).toList();
        List<String> crossThreadPeers = peers.stream().filter(p -> !p.equals("arena-confined")).toList();
        boolean netty = options.allocators().stream().anyMatch(a -> a.startsWith("netty-"));
        String perThread = "dev.lgmalloc.bench.(Peer(Pair|Batch|LiveSet)" + (netty ? "|Netty" : "") + "|Arena)Benchmark";
        for (int threads : new int[] {1, 2}) {
            run("t" + threads, perThread, peers, List.of("-t", Integer.toString(threads)));
        }
        if (!crossThreadPeers.isEmpty()) {
            run("producer-consumer", "dev.lgmalloc.bench.PeerProducerConsumerBenchmark", crossThreadPeers, List.of());
        }
        run("realloc", "dev.lgmalloc.bench.PeerReallocBenchmark", peers, List.of("-t", "1"));
    }

    private void run(String name, String regex, List<String> peers, List<String> extra)
            throws IOException, InterruptedException {
        Path csv = options.out().resolve("jmh-" + name + ".csv");
        Path log = options.out().resolve("jmh-" + name + ".log");
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.java());
        command.addAll(ChildJvm.benchProperties());   // JMH passes the host JVM's options on to its forks
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", ChildJvm.classPath(), "org.openjdk.jmh.Main", regex));
        command.addAll(extra);
        if (!peers.isEmpty()) {
            command.addAll(List.of("-p", "peer=" + String.join(",", peers)));
        }
        if (options.quick()) {
            command.addAll(List.of("-f", "1", "-wi", "1", "-w", "100ms", "-i", "1", "-r", "100ms", "-p", "size=64",
                    "-p", "liveBlocks=1000"));
        }
        command.addAll(List.of("-foe", "false", "-rf", "csv", "-rff", csv.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        ChildJvm.allowStaticTls(builder.environment());
        out.println("-- jmh " + name + ": " + regex + " " + String.join(" ", extra) + " (log: " + log + ")");
        Process process = builder.start();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter logWriter = new PrintWriter(Files.newBufferedWriter(log))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                logWriter.println(line);
                if (line.startsWith("# Benchmark:") || line.startsWith("# Parameters:")) {
                    out.println("   " + line.substring(2));
                } else if (line.startsWith("<failure>") || line.contains("Exception:")) {
                    out.println("   " + line);
                }
            }
        }
        int status = process.waitFor();
        if (Files.exists(csv)) {
            results.addJmh(JmhResult.parseCsv(name, Files.readAllLines(csv)));
        } else {
            String reason = Files.readAllLines(log).stream().filter(l -> l.contains("ERROR")).findFirst()
                    .orElse("no error line") + " (see " + log + ")";
            results.failure(new SuiteResults.Skip("jmh", name, "JMH exited with " + status + ": " + reason));
            out.println("   FAILED: " + reason);
        }
    }
}
