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

    /**
     * Until {@code mmap} is linked (the maintenance thread does it about 50 ms after the first allocation), a fresh
     * JVM's allocators borrow their first segment from the JDK, zeroed and so committed whole: a run then needs no
     * memory beyond its baseline, and its committed bytes per requested byte read 0. A large block maps its own
     * memory, so it links {@code mmap} at once; every run measures after that, however fast the JVM started.
     */
    private static final class MmapLinked {
        static {
            try (dev.lgmalloc.Allocator allocator = dev.lgmalloc.Allocator.create(AllocatorConfiguration.defaults())) {
                allocator.free(allocator.malloc(1 << 20));
            }
        }

        static void ensure() {
        }
    }

    private InstanceRun() {
    }

    /** The metrics of {@code workload} run with {@code threads} threads on a new allocator of {@code configuration}. */
    static Map<String, Double> metrics(Workload workload, String name, AllocatorConfiguration configuration,
            int threads, boolean quick) throws InterruptedException {
        MmapLinked.ensure();
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
