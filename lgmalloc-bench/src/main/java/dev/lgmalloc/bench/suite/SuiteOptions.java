package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workloads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The suite's command line.
 *
 * @param workloads   workloads to run, in table order
 * @param allocators  peers to run, in table order
 * @param threads     threads per workload (the number of cores by default)
 * @param quick       small parameters that check correctness in a few minutes
 * @param repetitions runs per workload and allocator: the first gives RSS, the others the time (median)
 * @param out         where the report, JSON and charts go
 * @param jmh         also run the JMH microbenchmarks (pair, batch, live set, producer/consumer)
 */
public record SuiteOptions(List<String> workloads, List<String> allocators, int threads, boolean quick,
        int repetitions, Path out, boolean jmh) {

    /** Where results go by default: under the build's {@code target/}, which git ignores. */
    static final Path DEFAULT_OUT = Path.of("target", "bench-results");

    /** The usage text printed after a bad option. */
    public static String usage() {
        return """
                usage: lgmalloc bench [--workloads W,...] [--allocators A,...] [--threads N] [--quick]
                                      [--repetitions R] [--out DIR] [--jmh]
                  --workloads    %s (default: all)
                  --allocators   %s, or all
                                 (default: all but arena-shared, whose every free is a handshake with all
                                 threads, and glibc-critical-mapped, which only measures the adapters' address
                                 map; absent libraries are skipped with a message)
                  --threads      threads per workload, 1-256 (default: %d, the number of cores)
                  --quick        small parameters: checks every workload's results in a few minutes, not speed
                  --repetitions  runs per workload and allocator, 1-50 (default 4, 1 with --quick); the first
                                 run gives RSS, the median of the others the time
                  --out          directory for results.md, results.json and the charts
                                 (default %s, beside the build output, not in the sources)
                  --jmh          also run the JMH microbenchmarks (pair 16 B-64 KiB, batch, live set with 1 and
                                 2 threads, producer/consumer, Netty, JDK arenas) and report them with the goals
                """.formatted(String.join(",", Workloads.names()), String.join(",", Peers.names()),
                defaultThreads(), DEFAULT_OUT);
    }

    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Parses the arguments, or throws {@link IllegalArgumentException} with one line saying what is wrong. */
    public static SuiteOptions parse(List<String> args) {
        List<String> workloads = Workloads.names();
        List<String> allocators = Peers.defaultNames();
        int threads = defaultThreads();
        boolean quick = false;
        boolean jmh = false;
        Integer repetitions = null;
        Path out = DEFAULT_OUT;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--quick" -> quick = true;
                case "--jmh" -> jmh = true;
                case "--workloads" -> workloads = names(value(args, ++i, arg), Workloads.names(), "workload");
                case "--allocators" -> {
                    String value = value(args, ++i, arg);
                    allocators = value.equals("all") ? Peers.names() : names(value, Peers.names(), "allocator");
                }
                case "--threads" -> threads = number(value(args, ++i, arg), arg, 1, 256);
                case "--repetitions" -> repetitions = number(value(args, ++i, arg), arg, 1, 50);
                case "--out" -> out = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        return new SuiteOptions(workloads, allocators, threads, quick,
                repetitions != null ? repetitions : quick ? 1 : 4, out, jmh);
    }

    private static String value(List<String> args, int index, String option) {
        if (index >= args.size() || args.get(index).startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(index);
    }

    private static int number(String text, String option, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max
                + ", not '" + text + "'");
    }

    /** Comma-separated names, each checked against the valid ones, kept in the valid list's order. */
    private static List<String> names(String text, List<String> valid, String what) {
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String name : text.split(",")) {
            String trimmed = name.trim();
            if (!valid.contains(trimmed)) {
                throw new IllegalArgumentException("unknown " + what + " '" + trimmed + "'; valid: "
                        + String.join(", ", valid));
            }
            chosen.add(trimmed);
        }
        List<String> ordered = new ArrayList<>(valid);
        ordered.retainAll(chosen);
        return List.copyOf(ordered);
    }
}
