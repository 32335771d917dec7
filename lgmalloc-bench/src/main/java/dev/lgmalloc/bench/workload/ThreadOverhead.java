package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.memory.ProcessMemory;

/**
 * Memory per thread: many threads each hold a few blocks of three size classes. The RSS they add, minus the same
 * number of threads holding nothing (stacks, JVM thread state) and minus the bytes requested, divided by the
 * threads, is what the allocator keeps per thread (caches, per-thread heaps and their pages). The two are
 * measured alternately three times and the median difference kept, since the JVM's own RSS moves a little.
 */
final class ThreadOverhead implements Workload {

    private static final long[] SIZES = {48, 256, 1024};
    private static final int BLOCKS_PER_SIZE = 4;
    private static final int PAIRS = 3;

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
                + " blocks of 48, 256 and 1024 B, against the same threads holding nothing (median of " + PAIRS
                + " alternations)";
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
        long[] differences = new long[PAIRS];
        for (int i = 0; i < PAIRS; i++) {
            long control = residentWithThreads(context, threads, false);
            differences[i] = residentWithThreads(context, threads, true) - control;
        }
        java.util.Arrays.sort(differences);
        long requested = 0;
        for (long size : SIZES) {
            requested += size * BLOCKS_PER_SIZE;
        }
        context.metric("perThreadOverheadBytes", (double) differences[PAIRS / 2] / threads - requested);
        return 2L * PAIRS * threads * SIZES.length * BLOCKS_PER_SIZE;
    }

    /** Starts the threads, waits until all of them hold their blocks (or nothing), reads RSS, lets them finish. */
    private static long residentWithThreads(WorkloadContext context, int threads, boolean allocate)
            throws InterruptedException {
        Rendezvous holding = new Rendezvous(context, threads);
        WorkloadContext.Running running = context.startThreads(threads, "thread-overhead", t -> {
            Worker worker = context.newWorker();
            Slots slots = new Slots(SIZES.length * BLOCKS_PER_SIZE);
            if (allocate) {
                for (int i = 0; i < slots.capacity(); i++) {
                    worker.allocate(slots, i, SIZES[i % SIZES.length]);
                }
            }
            holding.arriveAndWait();
            worker.freeAll(slots);
        });
        long resident;
        try {
            holding.awaitAll();
            resident = ProcessMemory.residentBytes();
        } finally {
            holding.release();
        }
        running.join();
        return resident;
    }
}
