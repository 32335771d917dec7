package dev.lgmalloc.bench.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * rpmalloc's benchmark pattern: each thread, loop after loop, allocates a batch of blocks with sizes skewed to
 * small, replaces random blocks of it, then frees the batch itself or (every second loop) hands it to the next
 * thread to free.
 */
final class RpTest implements Workload {

    static final int ALLOCATIONS = 1000;
    static final int OPERATIONS = 100;
    private static final long MIN_SIZE = 8;
    private static final long MAX_SIZE = 16000;
    private static final int CROSS_RATE = 2;

    /** A block's size: 8-16,000 bytes, skewed to small. */
    static long size(SplittableRandom random) {
        return Sizes.skewedSmall(random, MIN_SIZE, MAX_SIZE);
    }

    @Override
    public String name() {
        return "rptest";
    }

    @Override
    public String origin() {
        return "mimalloc-bench rptestN: rptest <procs> 0 1 2 500 1000 100 8 16000 (500 loops of 1000 allocations "
                + "and 100 replacements, sizes 8-16000 B, every 2nd loop's blocks freed by another thread)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, " + loops(quick) + " loops of " + ALLOCATIONS + " allocations and " + OPERATIONS
                + " replacements, sizes 8-16000 B skewed to small, every " + CROSS_RATE
                + "nd loop's batch freed by the next thread";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    private static int loops(boolean quick) {
        return quick ? 6 : 7500;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = context.threads();
        int loops = loops(context.quick());
        List<BlockingQueue<Slots>> inboxes = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            inboxes.add(new ArrayBlockingQueue<>(4));
        }
        context.runThreads(threads, "rptest", t -> {
            Worker worker = context.newWorker();
            try {
                for (int loop = 0; loop < loops; loop++) {
                    Slots batch = new Slots(ALLOCATIONS);
                    for (int i = 0; i < ALLOCATIONS; i++) {
                        worker.append(batch, size(worker.random()));
                    }
                    for (int op = 0; op < OPERATIONS; op++) {
                        int slot = worker.random().nextInt(ALLOCATIONS);
                        worker.free(batch, slot);
                        worker.allocate(batch, slot, size(worker.random()));
                    }
                    if (loop % CROSS_RATE == 0) {
                        context.put(inboxes.get((t + 1) % threads), batch);
                        worker.freeAll(context.take(inboxes.get(t)));
                    } else {
                        worker.freeAll(batch);
                    }
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return 2L * threads * loops * (ALLOCATIONS + OPERATIONS);
    }
}
