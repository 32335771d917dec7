package dev.lgmalloc.bench.workload;

/**
 * Hoard's cache-scratch (passive false sharing): the main thread allocates one small object per thread, side by
 * side, and hands them out; each thread frees its object and then repeatedly allocates an object and writes it
 * many times. An allocator that gives a thread memory freed by another, on a cache line another thread writes,
 * makes the cores fight over that line.
 */
final class CacheScratch implements Workload {

    private static final long OBJECT_SIZE = 8;

    @Override
    public String name() {
        return "cache-scratch";
    }

    @Override
    public String origin() {
        return "mimalloc-bench cache-scratchN: cache-scratch <procs> 1000 1 2000000 <procs> (1000 iterations, "
                + "1-byte objects, 2,000,000 writes each)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " threads, " + iterations(quick) + " iterations, 8-byte objects (the pattern needs a word), "
                + repetitions(quick) + " read-modify-writes per object (2,000,000 scaled down so a run takes ~1 s)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    private static int iterations(boolean quick) {
        return quick ? 20 : 10_000;
    }

    private static int repetitions(boolean quick) {
        return quick ? 20_000 : 200_000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int threads = context.threads();
        Worker main = context.newWorker();
        Slots handedOut = new Slots(threads);
        for (int t = 0; t < threads; t++) {
            main.allocate(handedOut, t, OBJECT_SIZE);
        }
        int iterations = iterations(context.quick());
        int repetitions = repetitions(context.quick());
        context.runThreads(threads, "cache-scratch", t -> {
            Worker worker = context.newWorker();
            worker.free(handedOut, t);
            Slots object = new Slots(1);
            for (int i = 0; i < iterations; i++) {
                worker.allocate(object, 0, OBJECT_SIZE);
                long address = object.address(0);
                long token = worker.token(object, 0);
                for (int r = 0; r < repetitions; r++) {
                    Blocks.incrementFirstWordInMemory(address);   // plain accesses let C2 fold the loop away
                }
                if (Blocks.firstWord(address) != token + repetitions) {
                    worker.problem("object at " + address + " lost writes: another thread wrote into it");
                }
                Blocks.setFirstWord(address, token);
                worker.free(object, 0);
            }
        });
        return 2L * threads * iterations;
    }
}
