package dev.lgmalloc.bench.workload;

import java.util.SplittableRandom;

/**
 * Larson and Krishnan's server simulation: each thread repeatedly frees a random block of its table and allocates
 * a new one of random size; threads end and successors inherit their tables, so blocks allocated by one thread
 * are freed by another ("bleeding"). The main thread fills the tables first, so even the first frees cross threads.
 */
final class Larson implements Workload {

    private static final long MIN_SIZE = 8;
    private static final long MAX_SIZE = 1000;

    @Override
    public String name() {
        return "larson";
    }

    @Override
    public String origin() {
        return "mimalloc-bench larsonN: larson 5 8 1000 5000 100 4141 <procs> (5 s, sizes 8-1000 B, 5000 blocks "
                + "per thread, 100 rounds, seed 4141)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, sizes 8-1000 B, " + blocks(quick) + " blocks per thread, " + rounds(quick)
                + " rounds of " + blocks(quick) + " replacements per thread and generation, " + generations(quick)
                + " thread generations (a fixed amount of work instead of 5 s)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    static int blocks(boolean quick) {
        return quick ? 500 : 5000;
    }

    /** The size of a new block. */
    static long size(SplittableRandom random) {
        return Sizes.uniform(random, MIN_SIZE, MAX_SIZE);
    }

    private static int rounds(boolean quick) {
        return quick ? 4 : 800;
    }

    private static int generations(boolean quick) {
        return quick ? 2 : 8;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = context.threads();
        int blocks = blocks(context.quick());
        Slots[] tables = new Slots[threads];
        Worker main = context.newWorker();
        for (int t = 0; t < threads; t++) {
            tables[t] = new Slots(blocks);
            for (int i = 0; i < blocks; i++) {
                main.allocate(tables[t], i, size(main.random()));
            }
        }
        long replacements = (long) rounds(context.quick()) * blocks;
        for (int generation = 0; generation < generations(context.quick()); generation++) {
            context.runThreads(threads, "larson", t -> {
                Worker worker = context.newWorker();
                Slots table = tables[t];
                for (long op = 0; op < replacements; op++) {
                    int victim = worker.random().nextInt(blocks);
                    worker.free(table, victim);
                    worker.allocate(table, victim, size(worker.random()));
                }
            });
        }
        for (Slots table : tables) {
            main.freeAll(table);
        }
        return 2 * (replacements * threads * generations(context.quick()) + (long) threads * blocks);
    }
}
