package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.memory.ProcessMemory;

/**
 * Memory per thread: many threads each hold a few blocks of three size classes. The same threads are measured
 * twice, holding nothing and then holding their blocks, so stacks and JVM thread state cancel out; the RSS the
 * blocks added, minus the bytes requested, divided by the threads, is what the allocator keeps per thread (caches,
 * per-thread heaps and their pages). Done three times with new threads; the median is kept.
 */
final class ThreadOverhead implements Workload {

    private static final long[] SIZES = {48, 256, 1024};
    private static final int BLOCKS_PER_SIZE = 4;
    private static final int REPEATS = 3;

    @Override
    public String name() {
        return "thread-overhead";
    }

    @Override
    public String origin() {
        return "the issue's per-thread overhead for many threads using a few size classes each";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads(quick) + " threads (independent of --threads) x " + BLOCKS_PER_SIZE
                + " blocks of 48, 256 and 1024 B, against the same threads holding nothing (median of " + REPEATS
                + " runs)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public boolean measuresTime() {
        return false;
    }

    private static int threads(boolean quick) {
        return quick ? 16 : 64;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = threads(context.quick());
        long[] added = new long[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            added[i] = residentAddedByBlocks(context, threads);
        }
        java.util.Arrays.sort(added);
        long requested = 0;
        for (long size : SIZES) {
            requested += size * BLOCKS_PER_SIZE;
        }
        context.metric("perThreadOverheadBytes", (double) added[REPEATS / 2] / threads - requested);
        return 2L * REPEATS * threads * SIZES.length * BLOCKS_PER_SIZE;
    }

    /** Starts the threads; RSS when they all hold nothing, then when they all hold their blocks; the difference. */
    private static long residentAddedByBlocks(WorkloadContext context, int threads) throws InterruptedException {
        Rendezvous empty = new Rendezvous(context, threads);
        Rendezvous holding = new Rendezvous(context, threads);
        WorkloadContext.Running running = context.startThreads(threads, "thread-overhead", t -> {
            Worker worker = context.newWorker();
            Slots slots = new Slots(SIZES.length * BLOCKS_PER_SIZE);
            empty.arriveAndWait();
            for (int i = 0; i < slots.capacity(); i++) {
                worker.allocate(slots, i, SIZES[i % SIZES.length]);
            }
            holding.arriveAndWait();
            worker.freeAll(slots);
        });
        long before;
        try {
            empty.awaitAll();
            before = ProcessMemory.residentBytes();
        } finally {
            empty.release();
        }
        long after;
        try {
            holding.awaitAll();
            after = ProcessMemory.residentBytes();
        } finally {
            holding.release();
        }
        running.join();
        return after - before;
    }
}
