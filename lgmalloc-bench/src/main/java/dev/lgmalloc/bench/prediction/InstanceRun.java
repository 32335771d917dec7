package dev.lgmalloc.bench.prediction;

import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.bench.peer.AllocatorPeer;
import dev.lgmalloc.bench.workload.Verification;
import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.WorkloadContext;
import java.util.Map;

/**
 * Runs one of the suite's memory workloads on a fresh {@link dev.lgmalloc.Allocator} of a given configuration in
 * this JVM, checks that every block came back intact, and returns the workload's metrics. Afterwards the allocator
 * gives its memory back, so the next configuration's RSS baseline is not lowered by purges of this one's pages.
 */
final class InstanceRun {

    private static final long SEED = 7;

    private InstanceRun() {
    }

    /** The metrics of {@code workload} run with {@code threads} threads on a new allocator of {@code configuration}. */
    static Map<String, Double> metrics(Workload workload, String name, AllocatorConfiguration configuration,
            int threads, boolean quick) throws InterruptedException {
        AllocatorPeer peer = new AllocatorPeer(name, configuration);
        WorkloadContext context = new WorkloadContext(peer, threads, quick, SEED);
        workload.run(context);
        Verification verification = context.verification();
        if (!verification.passed()) {
            throw new IllegalStateException(workload.name() + " on " + name + " did not verify: "
                    + verification.summary());
        }
        peer.releaseFreeMemory();
        return context.metrics();
    }
}
