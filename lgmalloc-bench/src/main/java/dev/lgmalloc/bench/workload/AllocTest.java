package dev.lgmalloc.bench.workload;

import java.util.SplittableRandom;

/**
 * The alloc-test of "Testing Memory Allocators" (ithare): each thread keeps a working set of blocks and replaces
 * random ones with blocks of Pareto-distributed sizes up to 1 KiB. Equal times for 1 and N threads mean the
 * allocator scales linearly.
 */
final class AllocTest implements Workload {

    @Override
    public String name() {
        return "alloc-test";
    }

    @Override
    public String origin() {
        return "mimalloc-bench alloc-testN: alloc-test <procs, at most 16> (Pareto sizes up to 1 KiB, 10^8 "
                + "allocations per thread)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, " + slots(quick) + " live slots per thread, " + operations(quick)
                + " replacements per thread (10^8 scaled down), Pareto sizes 8 B-1 KiB (shape 1.16)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    static int slots(boolean quick) {
        return quick ? 1 << 10 : 1 << 15;
    }

    /** The size of a new block. */
    static long size(SplittableRandom random) {
        return Sizes.pareto(random, 8, 1024, 1.16);
    }

    private static int operations(boolean quick) {
        return quick ? 10_000 : 40_000_000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int slots = slots(context.quick());
        int operations = operations(context.quick());
        context.runThreads(context.threads(), "alloc-test", t -> {
            Worker worker = context.newWorker();
            Slots working = new Slots(slots);
            for (int op = 0; op < operations; op++) {
                int slot = worker.random().nextInt(slots);
                worker.free(working, slot);
                worker.allocate(working, slot, size(worker.random()));
            }
            worker.freeAll(working);
        });
        return 2L * context.threads() * operations;
    }
}
