package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.Peers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts a {@link WorkerMain} JVM for one allocator and some workloads, and turns its protocol lines into results.
 * Every measuring JVM gets the same heap, pre-touched so that heap growth does not show up as allocator RSS, and
 * the glibc tunable Debian's jemalloc needs to be loaded.
 */
final class MeasuringJvm {

    private final SuiteOptions options;
    private final SuiteResults results;
    private final Progress progress;

    MeasuringJvm(SuiteOptions options, SuiteResults results, Progress progress) {
        this.options = options;
        this.results = results;
        this.progress = progress;
    }

    /** Runs {@code workloads} with {@code allocator} in a new JVM and records what it reports. */
    void run(String allocator, List<String> workloads) throws IOException, InterruptedException {
        Process process = start(allocator, workloads);
        Deque<String> errorTail = new ArrayDeque<>();
        List<String> agentLines = new ArrayList<>();
        Thread errorReader = Thread.ofPlatform().daemon().start(() -> keepTail(process, errorTail, agentLines));
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = Thread.ofPlatform().daemon().start(() -> killAfterTimeout(process,
                timeoutMinutes(workloads.size()), timedOut));
        Set<String> reported = new HashSet<>();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                handle(line, reported);
            }
        }
        process.waitFor();
        watchdog.interrupt();
        errorReader.join(1000);
        boolean exited = !timedOut.get();
        synchronized (agentLines) {
            // What lgmalloc's agent did in that JVM (sites found, routed, classes) belongs with the peer's notes.
            results.peers().stream().filter(p -> p.name().equals(allocator) && !agentLines.isEmpty()).findFirst()
                    .ifPresent(p -> results.peer(new SuiteResults.PeerInfo(p.name(), p.version(),
                            p.notes() + "; " + String.join(" ", agentLines), p.startRss())));
        }
        List<String> missing = workloads.stream().filter(w -> !reported.contains(w)).toList();
        if (!missing.isEmpty() && results.skipReason(missing.get(0), allocator).isEmpty()) {
            String why = !exited ? "timed out" : "exited with code " + process.exitValue();
            String tail;
            synchronized (errorTail) {
                tail = String.join(" | ", errorTail);
            }
            for (String workload : missing) {
                results.failure(new SuiteResults.Skip(allocator, workload,
                        "measuring JVM " + why + " before reporting" + (tail.isEmpty() ? "" : ": " + tail)));
                progress.failed(allocator, workload, why);
            }
        }
    }

    private Process start(String allocator, List<String> workloads) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.java());
        command.add("--enable-native-access=ALL-UNNAMED");
        String heap = options.quick() ? "384m" : "2g";
        command.addAll(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch"));
        command.addAll(ChildJvm.benchProperties());
        Peers.Spec peer = Peers.byName(allocator).orElseThrow();
        command.addAll(peer.resolvedJvmOptions());
        command.addAll(List.of("-cp", ChildJvm.classPath(), WorkerMain.class.getName(), "--allocator", allocator,
                "--workloads", String.join(",", workloads), "--threads", Integer.toString(options.threads()),
                "--repetitions", Integer.toString(options.repetitions()),
                "--settle-ms", options.quick() ? "100" : "1000"));
        if (options.quick()) {
            command.add("--quick");
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        ChildJvm.allowStaticTls(builder.environment());
        builder.environment().putAll(peer.environment());
        return builder.start();
    }

    private void handle(String line, Set<String> reported) {
        String tag = Protocol.tag(line);
        if (tag == null) {
            return;
        }
        Map<String, String> fields = Protocol.fields(line);
        switch (tag) {
            case Protocol.PEER -> results.peer(new SuiteResults.PeerInfo(fields.get("allocator"),
                    fields.get("version"), fields.get("notes"), Long.parseLong(fields.get("startRss"))));
            case Protocol.RESULT -> {
                Measurement m = Measurement.fromFields(fields);
                results.add(m);
                reported.add(m.workload());
                progress.measured(m);
            }
            case Protocol.SKIP -> {
                results.skip(new SuiteResults.Skip(fields.get("allocator"), fields.get("workload"),
                        fields.get("reason")));
                reported.add(fields.get("workload"));
                progress.skipped(fields.get("allocator"), fields.get("workload"), fields.get("reason"));
            }
            case Protocol.FAILURE -> {
                // Installed but unusable (a library that does not load): a failure, not a skip.
                results.failure(new SuiteResults.Skip(fields.get("allocator"), "*", fields.get("reason")));
                progress.failed(fields.get("allocator"), "*", fields.get("reason"));
                reported.addAll(results.options().workloads());
            }
            default -> throw new AssertionError(tag);
        }
    }

    private long timeoutMinutes(int workloads) {
        return options.quick() ? 5 : 20L * workloads;
    }

    private static void killAfterTimeout(Process process, long minutes, AtomicBoolean timedOut) {
        try {
            if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
                timedOut.set(true);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            // the process ended in time
        }
    }

    private static void keepTail(Process process, Deque<String> tail, List<String> agentLines) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("[lgmalloc-agent]")) {
                    synchronized (agentLines) {
                        agentLines.add(line.strip());
                    }
                }
                synchronized (tail) {
                    tail.addLast(line.strip());
                    if (tail.size() > 5) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }
}
