package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.commandline.Commands;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code lgmalloc bench}: runs the workloads with every allocator, each allocator in its own JVM (and, outside
 * quick mode, each workload too, so that every first run starts from a fresh process), then writes
 * {@code results.md}, {@code results.json}, {@code time.png} and {@code rss.png}.
 */
public final class SuiteMain {

    private SuiteMain() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /**
     * Runs the suite with the command line {@code args}.
     *
     * @return 0 when every run verified, 1 when a run failed its verification or a measuring JVM failed,
     *         2 for bad options (after one line saying what is wrong, and the usage)
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return Commands.execute(new SuiteCommand(), args, out, err);
    }

    /** Runs every available allocator's measuring JVMs one after another (never two at once: they would compete). */
    static SuiteResults measure(SuiteOptions options, PrintWriter out) throws IOException, InterruptedException {
        SuiteResults results = new SuiteResults(options, MachineInfo.collect());
        List<String> runnable = new ArrayList<>();
        for (String allocator : options.allocators()) {
            Optional<String> reason = Peers.byName(allocator).orElseThrow().unavailableReason();
            if (reason.isPresent()) {
                results.skip(new SuiteResults.Skip(allocator, "*", reason.get()));
                out.println("skipping " + allocator + ": " + reason.get());
            } else {
                runnable.add(allocator);
            }
        }
        Progress progress = new Progress(out,
                runnable.size() * options.workloads().size() * options.repetitions() * options.jvms());
        MeasuringJvm jvm = new MeasuringJvm(options, results, progress);
        Files.createDirectories(options.out());
        for (Run run : schedule(options, runnable)) {
            progress.starting(run.allocator(), String.join(",", run.workloads()));
            jvm.run(run.allocator(), run.workloads());
        }
        if (options.jmh()) {
            new JmhRuns(options, results, out).runAll();
        }
        return results;
    }

    /** One measuring JVM: an allocator and the workloads it runs. */
    record Run(String allocator, List<String> workloads) {
    }

    /**
     * The measuring JVMs in the order they run. Each workload's allocators run back to back, so that what is
     * compared is measured minutes apart at most, not the whole suite apart; and the allocator that goes first
     * turns with the workload and the round, so that no allocator always meets the machine as the previous JVM
     * left it (a shared guest's speed drifts over minutes: one run had lgmalloc's larson at 3.98 s where the
     * run before had 2.27 s, the natives' unchanged). The quick form runs each allocator's workloads in one JVM.
     */
    static List<Run> schedule(SuiteOptions options, List<String> allocators) {
        List<Run> runs = new ArrayList<>();
        List<List<String>> groups = options.quick()
                ? List.of(options.workloads())
                : options.workloads().stream().map(List::of).toList();
        for (int round = 0; round < options.jvms(); round++) {
            for (int group = 0; group < groups.size(); group++) {
                for (int i = 0; i < allocators.size(); i++) {
                    String allocator = allocators.get((i + round + group) % allocators.size());
                    runs.add(new Run(allocator, groups.get(group)));
                }
            }
        }
        return runs;
    }
}
