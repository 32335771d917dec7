package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workloads;
import dev.lgmalloc.commandline.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lgmalloc bench}: the suite's options, checked, then {@link SuiteMain#measure} and the reports. Exit status
 * 0 when every run verified, 1 when a run failed its verification or a measuring JVM failed, 2 for bad options.
 */
@Command(name = "bench", sortOptions = false,
        description = {"Compare lgmalloc with glibc, jemalloc, mimalloc, tcmalloc, the JDK's arenas and Netty on the"
                + " mimalloc-bench workloads and memory workloads, each allocator in its own JVM; write results.md,"
                + " results.json, time.png and rss.png."})
public final class SuiteCommand implements Callable<Integer> {

    @Option(names = "--workloads", paramLabel = "W", split = ",", completionCandidates = WorkloadNames.class,
            description = "workloads to run, of ${COMPLETION-CANDIDATES} (default: all)")
    List<String> workloads = Workloads.names();

    @Option(names = "--allocators", paramLabel = "A", split = ",", completionCandidates = AllocatorNames.class,
            description = {"allocators to run, of ${COMPLETION-CANDIDATES}, or all (default: all but arena-shared,"
                    + " whose every free is a handshake with all threads, and glibc-critical-mapped, which only"
                    + " measures the adapters' address map; absent libraries are skipped with a message)"})
    List<String> allocators = Peers.defaultNames();

    @Option(names = "--threads", paramLabel = "N",
            description = "threads per workload, 1-256 (default: ${DEFAULT-VALUE}, the number of cores)")
    String threads = Integer.toString(SuiteOptions.defaultThreads());

    @Option(names = "--quick", description = "small parameters: checks every workload's results in a few minutes,"
            + " not speed")
    boolean quick;

    @Option(names = "--repetitions", paramLabel = "R", description = "runs per workload and allocator, 1-50"
            + " (default 4, 1 with --quick); the first run gives RSS, the median of the others the time")
    String repetitions;

    @Option(names = "--jvms", paramLabel = "J", description = "measuring JVMs per workload and allocator, 1-10"
            + " (default 1), started in turn across the allocators; the time is the median over all of them, since"
            + " the runs of one JVM share its mode")
    String jvms = "1";

    @Option(names = "--out", paramLabel = "DIR", description = "directory for results.md, results.json and the"
            + " charts (default: ${DEFAULT-VALUE}, beside the build output, not in the sources)")
    Path out = SuiteOptions.DEFAULT_OUT;

    @Option(names = "--jmh", description = "also run the JMH microbenchmarks (pair 16 B-64 KiB, batch, live set"
            + " with 1 and 2 threads, producer/consumer, Netty, JDK arenas) and report them with the goals")
    boolean jmh;

    @Spec
    CommandSpec spec;

    /** The options of {@code args}, checked; a mistake is a picocli parse error or a {@link UsageException}. */
    public static SuiteOptions parse(List<String> args) {
        SuiteCommand command = new SuiteCommand();
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command.options();
    }

    SuiteOptions options() {
        List<String> chosenAllocators = allocators.equals(List.of("all")) ? Peers.names()
                : chosen(allocators, Peers.names(), "allocator");
        return new SuiteOptions(chosen(workloads, Workloads.names(), "workload"), chosenAllocators,
                wholeNumber("--threads", threads, 1, 256), quick,
                repetitions == null ? quick ? 1 : 4 : wholeNumber("--repetitions", repetitions, 1, 50),
                wholeNumber("--jvms", jvms, 1, 10), out, jmh);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        SuiteOptions options = options();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        SuiteResults results = SuiteMain.measure(options, stdout);
        Path report = Reports.write(results, spec.commandLine().getParseResult().originalArgs());
        stdout.println("results: " + report.toAbsolutePath() + " (and results.json, time.png, rss.png beside it)");
        if (!results.allVerified()) {
            stderr.println("lgmalloc bench: some runs failed their verification or did not finish; see " + report);
            return 1;
        }
        return 0;
    }

    private static int wholeNumber(String option, String text, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw UsageException.badValue(option, "a whole number from " + min + " to " + max, text);
    }

    /** The names given, each checked against the valid ones, in the valid list's order. */
    private static List<String> chosen(List<String> given, List<String> valid, String what) {
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String name : given) {
            String trimmed = name.trim();
            if (!valid.contains(trimmed)) {
                throw new UsageException("unknown " + what + " '" + trimmed + "'; valid: " + String.join(", ", valid));
            }
            chosen.add(trimmed);
        }
        List<String> ordered = new ArrayList<>(valid);
        ordered.retainAll(chosen);
        return List.copyOf(ordered);
    }

    /** The workloads' names, for the usage. */
    static final class WorkloadNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Workloads.names().iterator();
        }
    }

    /** The allocators' names, for the usage. */
    static final class AllocatorNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Peers.names().iterator();
        }
    }
}
