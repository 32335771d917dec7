package dev.lgmalloc.bench.workload;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * After mimalloc's test-stress: threads allocate power-of-two sizes (1% of them 100x larger), free, resize and
 * exchange blocks through a shared transfer array; at the end of each iteration all threads die and new ones
 * start, while the blocks in the transfer array live on and are freed later by other threads.
 */
final class Mstress implements Workload {

    private static final int TRANSFERS = 1000;

    private record Transferred(long address, long size, long token) {
    }

    @Override
    public String name() {
        return "mstress";
    }

    @Override
    public String origin() {
        return "mimalloc-bench mstressN: mstress <procs> 50 25 (mimalloc test-stress: scale 50, 25 iterations of "
                + "thread churn, 1000-slot transfer array)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, scale " + scale(quick) + " (" + 100 * scale(quick) + " steps per thread and "
                + "iteration), " + iterations(quick) + " iterations, sizes 8 B-1 KiB by powers of two, 1% x100, "
                + TRANSFERS + " transfer slots";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    private static int scale(boolean quick) {
        return quick ? 5 : 50;
    }

    private static int iterations(boolean quick) {
        return quick ? 3 : 1000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        AtomicReferenceArray<Transferred> transfer = new AtomicReferenceArray<>(TRANSFERS);
        int steps = 100 * scale(context.quick());
        for (int iteration = 0; iteration < iterations(context.quick()); iteration++) {
            context.runThreads(context.threads(), "mstress", t -> {
                Worker worker = context.newWorker();
                Slots data = new Slots(steps / 4);
                for (int step = 0; step < steps; step++) {
                    step(worker, data, transfer);
                }
                worker.freeAll(data);   // the thread's own blocks die with it; transferred ones live on
            });
        }
        Worker main = context.newWorker();
        Slots leftovers = new Slots(1);
        for (int i = 0; i < TRANSFERS; i++) {
            Transferred block = transfer.getAndSet(i, null);
            if (block != null) {
                leftovers.set(0, block.address(), block.size(), block.token());
                main.free(leftovers, 0);
            }
        }
        return (long) steps * context.threads() * iterations(context.quick());
    }

    private static void step(Worker worker, Slots data, AtomicReferenceArray<Transferred> transfer) {
        int slot = worker.random().nextInt(data.capacity());
        int choice = worker.random().nextInt(100);
        if (choice < 50) {
            worker.free(data, slot);
            worker.allocate(data, slot, size(worker));
        } else if (choice < 75) {
            worker.free(data, slot);
        } else if (choice < 85) {
            if (data.occupied(slot)) {
                worker.reallocate(data, slot, size(worker));
            }
        } else if (data.occupied(slot)) {
            // Swap a block with a random transfer slot: the one taken is now this thread's to free.
            Transferred mine = new Transferred(data.address(slot), data.size(slot), worker.token(data, slot));
            Transferred theirs = transfer.getAndSet(worker.random().nextInt(TRANSFERS), mine);
            data.clear(slot);
            if (theirs != null) {
                data.set(slot, theirs.address(), theirs.size(), theirs.token());
            }
        }
    }

    private static long size(Worker worker) {
        long size = 8L << worker.random().nextInt(8);   // 8 B .. 1 KiB
        return worker.random().nextInt(100) == 0 ? size * 100 : size;
    }
}
