package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.memory.ProcessMemory;

/**
 * Memory for many small blocks: each thread allocates blocks of one size (the suite: 100,000 of 48 B) and holds
 * them while the main thread measures the RSS they added per byte requested, and the Java heap each live block
 * costs (the objects a peer keeps per block: Netty's ByteBufs, the JDK's arenas, the adapters' address maps).
 * Peers that report their committed bytes also get committed per requested byte.
 */
public final class Footprint implements Workload {

    private final long size;
    private final int blocks;

    /** The suite's footprint: 100,000 blocks of 48 B per thread. */
    Footprint() {
        this(48, 100_000);
    }

    /** {@code blocks} blocks of {@code size} bytes per thread; a fifth of them in quick mode. */
    public Footprint(long size, int blocks) {
        this.size = size;
        this.blocks = blocks;
    }

    @Override
    public String name() {
        return "footprint-" + size;
    }

    @Override
    public String origin() {
        return "the issue's goal: RSS/requested for 100k blocks of 48 B per thread (peers measured here: glibc 1.33, "
                + "jemalloc 1.03, mimalloc 1.02, tcmalloc 1.01)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads x " + blocks(quick) + " blocks of " + size
                + " B, held while RSS and heap are measured";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public boolean measuresTime() {
        return false;
    }

    private int blocks(boolean quick) {
        return quick ? blocks / 5 : blocks;
    }

    /** How many two-block fills compile {@link #fill} and the allocation path under it before the baseline. */
    private static final int WARM_UP_CALLS = 50_000;

    /**
     * Compiles the measured loop with one block at a time, so the code cache and the JIT's own memory grow before
     * the baseline and not during the measurement (in a fresh JVM they added about 3% to lgmalloc's ratio and 5%
     * to jemalloc's). Two blocks at a time, so the loop's back branch is taken and the compiled loop is the one
     * the measurement runs; no allocator keeps memory from two blocks to reuse.
     */
    private static void warmUp(Worker worker, long size) {
        Slots two = new Slots(2);
        for (int call = 0; call < WARM_UP_CALLS; call++) {
            fill(worker, two, 2, size);
            worker.free(two, 0);
            worker.free(two, 1);
        }
    }

    private static void fill(Worker worker, Slots slots, int count, long size) {
        for (int i = 0; i < count; i++) {
            worker.allocate(slots, i, size);
        }
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = context.threads();
        int blocks = blocks(context.quick());
        Rendezvous before = new Rendezvous(context, threads);
        Rendezvous holding = new Rendezvous(context, threads);
        WorkloadContext.Running running = context.startThreads(threads, "footprint", t -> {
            Worker worker = context.newWorker();
            Slots slots = new Slots(blocks);   // on the heap before the baseline, so it is not counted per block
            warmUp(worker, size);
            before.arriveAndWait();
            fill(worker, slots, blocks, size);
            holding.arriveAndWait();
            worker.freeAll(slots);
        });
        long rssBefore;
        long heapBefore;
        long committedBefore;
        try {
            before.awaitAll();
            heapBefore = ProcessMemory.heapUsedAfterGc();
            rssBefore = ProcessMemory.residentBytes();
            committedBefore = context.allocator().committedBytes();
        } finally {
            before.release();
        }
        try {
            holding.awaitAll();
            long rssHolding = ProcessMemory.residentBytes();
            long committedHolding = context.allocator().committedBytes();
            long heapHolding = ProcessMemory.heapUsedAfterGc();
            long total = (long) threads * blocks;
            context.metric("rssPerRequested", (double) (rssHolding - rssBefore) / (total * size));
            context.metric("heapBytesPerBlock", (double) (heapHolding - heapBefore) / total);
            if (committedBefore >= 0) {
                context.metric("committedPerRequested", (double) (committedHolding - committedBefore) / (total * size));
            }
        } finally {
            holding.release();
        }
        running.join();
        return 2L * threads * blocks;
    }
}
