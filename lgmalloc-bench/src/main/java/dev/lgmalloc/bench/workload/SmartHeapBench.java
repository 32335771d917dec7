package dev.lgmalloc.bench.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * MicroQuill's SmartHeap benchmarks: each thread allocates batches of blocks of cycling sizes and frees them in
 * LIFO and reverse orders (sh6bench). sh8bench adds cross-thread frees: each thread hands half of every batch to
 * the next thread in a ring, which frees it.
 */
final class SmartHeapBench implements Workload {

    private static final int BATCH = 1000;
    private static final long MIN_SIZE = 8;
    private static final long MAX_SIZE = 1000;

    private final boolean crossThread;

    SmartHeapBench(boolean crossThread) {
        this.crossThread = crossThread;
    }

    @Override
    public String name() {
        return crossThread ? "sh8bench" : "sh6bench";
    }

    @Override
    public String origin() {
        return "mimalloc-bench " + name() + "N: " + name() + " <2 x procs> (SmartHeap: batches of blocks of sizes "
                + "1-1000 B freed in LIFO and reverse order" + (crossThread ? ", half of each freed by another thread"
                : "") + ")";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return 2 * threads + " threads, " + rounds(quick) + " rounds of 2 batches of " + BATCH + " blocks, sizes "
                + "cycling 8-1000 B" + (crossThread ? ", second half of the first batch freed by the next thread" : "");
    }

    @Override
    public boolean freesAcrossThreads() {
        return crossThread;
    }

    private static int rounds(boolean quick) {
        return quick ? 2 : 6000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = 2 * context.threads();
        int rounds = rounds(context.quick());
        List<BlockingQueue<Slots>> inboxes = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            inboxes.add(new ArrayBlockingQueue<>(4));
        }
        context.runThreads(threads, name(), t -> {
            Worker worker = context.newWorker();
            Slots batch = new Slots(BATCH);
            try {
                for (int round = 0; round < rounds; round++) {
                    fill(worker, batch, round);
                    if (crossThread) {
                        // Keep the first half, give the second half to the next thread, free what the previous gave.
                        Slots given = new Slots(BATCH / 2);
                        for (int i = BATCH / 2; i < BATCH; i++) {
                            given.takeFrom(batch, i, i - BATCH / 2);
                        }
                        context.put(inboxes.get((t + 1) % threads), given);
                        worker.freeAll(context.take(inboxes.get(t)));
                    }
                    worker.freeAll(batch);   // LIFO: last allocated, first freed
                    fill(worker, batch, round + 1);
                    for (int i = 1; i < BATCH; i += 2) {   // every other block in allocation order, then the rest
                        worker.free(batch, i);
                    }
                    worker.freeAll(batch);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return 4L * threads * rounds * BATCH;
    }

    private static void fill(Worker worker, Slots batch, int round) {
        for (int i = 0; i < BATCH; i++) {
            long size = MIN_SIZE + (i * 37L + round * 11L) % (MAX_SIZE - MIN_SIZE + 1);
            worker.allocate(batch, i, size);
        }
    }
}
