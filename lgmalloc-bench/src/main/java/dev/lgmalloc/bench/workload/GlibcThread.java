package dev.lgmalloc.bench.workload;

import java.util.SplittableRandom;

/**
 * glibc's bench-malloc-thread: each thread keeps a working set of blocks and replaces random ones with blocks of
 * random sizes up to 32 KiB, most of them small.
 */
final class GlibcThread implements Workload {

    static final int WORKING_SET = 1024;

    @Override
    public String name() {
        return "glibc-thread";
    }

    @Override
    public String origin() {
        return "mimalloc-bench glibc-thread: glibc benchtests bench-malloc-thread <procs> (working set of 1024 "
                + "blocks per thread, sizes up to 32 KiB weighted to small, 5 s)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, working set " + WORKING_SET + " blocks per thread, sizes 8 B-32 KiB "
                + "log-uniform, " + operations(quick) + " replacements per thread (a fixed amount of work instead of 5 s)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    /** The size of a new block. */
    static long size(SplittableRandom random) {
        return Sizes.logUniform(random, 8, 32 * 1024);
    }

    private static int operations(boolean quick) {
        return quick ? 8_000 : 13_000_000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int operations = operations(context.quick());
        context.runThreads(context.threads(), "glibc-thread", t -> {
            Worker worker = context.newWorker();
            Slots working = new Slots(WORKING_SET);
            for (int op = 0; op < operations; op++) {
                int slot = worker.random().nextInt(WORKING_SET);
                worker.free(working, slot);
                worker.allocate(working, slot, size(worker.random()));
            }
            worker.freeAll(working);
        });
        return 2L * context.threads() * operations;
    }
}
