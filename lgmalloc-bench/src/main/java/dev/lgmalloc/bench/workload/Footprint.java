package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.memory.ProcessMemory;

/**
 * Memory for many small blocks: each thread allocates 100,000 blocks of 48 B and holds them while the main thread
 * measures the RSS they added per byte requested, and the Java heap each live block costs (the objects a peer
 * keeps per block: Netty's ByteBufs, the JDK's arenas, the adapters' address maps).
 */
final class Footprint implements Workload {

    private static final long SIZE = 48;

    @Override
    public String name() {
        return "footprint-48";
    }

    @Override
    public String origin() {
        return "the issue's goal: RSS/requested for 100k blocks of 48 B per thread (peers measured here: glibc 1.33, "
                + "jemalloc 1.03, mimalloc 1.02, tcmalloc 1.01)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads x " + blocks(quick) + " blocks of 48 B, held while RSS and heap are measured";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public boolean measuresTime() {
        return false;
    }

    private static int blocks(boolean quick) {
        return quick ? 20_000 : 100_000;
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
            before.arriveAndWait();
            for (int i = 0; i < blocks; i++) {
                worker.allocate(slots, i, SIZE);
            }
            holding.arriveAndWait();
            worker.freeAll(slots);
        });
        long rssBefore;
        long heapBefore;
        try {
            before.awaitAll();
            heapBefore = ProcessMemory.heapUsedAfterGc();
            rssBefore = ProcessMemory.residentBytes();
        } finally {
            before.release();
        }
        try {
            holding.awaitAll();
            long rssHolding = ProcessMemory.residentBytes();
            long heapHolding = ProcessMemory.heapUsedAfterGc();
            long total = (long) threads * blocks;
            context.metric("rssPerRequested", (double) (rssHolding - rssBefore) / (total * SIZE));
            context.metric("heapBytesPerBlock", (double) (heapHolding - heapBefore) / total);
        } finally {
            holding.release();
        }
        running.join();
        return 2L * threads * blocks;
    }
}
