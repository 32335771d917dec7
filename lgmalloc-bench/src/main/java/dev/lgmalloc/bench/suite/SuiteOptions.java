package dev.lgmalloc.bench.suite;

import java.nio.file.Path;
import java.util.List;

/**
 * The suite's options, as {@link SuiteCommand} reads and checks them.
 *
 * @param workloads   workloads to run, in table order
 * @param allocators  peers to run, in table order
 * @param threads     threads per workload (the number of cores by default)
 * @param quick       small parameters that check correctness in a few minutes
 * @param repetitions runs per workload and allocator: the first gives RSS, the others the time (median)
 * @param jvms        measuring JVMs per workload and allocator, started in turn across the allocators: a JVM's runs
 *                    share a mode (how its threads meet), so the time's median is taken over several
 * @param out         where the report, JSON and charts go
 * @param jmh         also run the JMH microbenchmarks (pair, batch, live set, producer/consumer)
 */
public record SuiteOptions(List<String> workloads, List<String> allocators, int threads, boolean quick,
        int repetitions, int jvms, Path out, boolean jmh) {

    /** Where results go by default: under the build's {@code target/}, which git ignores. */
    static final Path DEFAULT_OUT = Path.of("target", "bench-results");

    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
