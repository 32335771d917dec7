package dev.lgmalloc.bench.workload;

/**
 * glibc's bench-malloc-simple: one thread allocates a number of blocks of one size and frees them all, for each
 * combination of block count and size. Measures the plain single-threaded fast paths.
 */
final class GlibcSimple implements Workload {

    private static final int[] COUNTS = {25, 100, 400, 1600};
    private static final long[] SIZES = {16, 256, 1024, 4096};

    @Override
    public String name() {
        return "glibc-simple";
    }

    @Override
    public String origin() {
        return "mimalloc-bench glibc-simple: glibc benchtests bench-malloc-simple (one thread; allocate then free "
                + "25/100/400/1600 blocks of one size, many times)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return "1 thread (the original is single-threaded), counts 25/100/400/1600 x sizes 16/256/1024/4096 B, "
                + pairs(quick) + " malloc+free pairs per combination";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    private static int pairs(boolean quick) {
        return quick ? 3_200 : 2_000_000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int pairs = pairs(context.quick());
        context.runThreads(1, "glibc-simple", t -> {
            Worker worker = context.newWorker();
            for (int count : COUNTS) {
                Slots blocks = new Slots(count);
                for (long size : SIZES) {
                    for (int done = 0; done < pairs; done += count) {
                        for (int i = 0; i < count; i++) {
                            worker.allocate(blocks, i, size);
                        }
                        for (int i = 0; i < count; i++) {
                            worker.free(blocks, i);
                        }
                    }
                }
            }
        });
        return 2L * pairs * COUNTS.length * SIZES.length;
    }
}
