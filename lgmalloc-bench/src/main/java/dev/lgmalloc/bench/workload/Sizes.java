package dev.lgmalloc.bench.workload;

import java.util.SplittableRandom;

/** The size distributions of the workloads; all results are at least {@link Blocks#MIN_SIZE}. */
final class Sizes {

    private Sizes() {
    }

    /** Uniform in [min, max]. */
    static long uniform(SplittableRandom random, long min, long max) {
        return Math.max(Blocks.MIN_SIZE, min + random.nextLong(max - min + 1));
    }

    /** Pareto with shape {@code alpha} starting at {@code min}, cut at {@code max}: many small, a long tail. */
    static long pareto(SplittableRandom random, long min, long max, double alpha) {
        double u = 1.0 - random.nextDouble();   // (0, 1]
        double size = min / Math.pow(u, 1.0 / alpha);
        return Math.max(Blocks.MIN_SIZE, Math.min(max, (long) size));
    }

    /** Log-uniform in [min, max]: every doubling equally likely. */
    static long logUniform(SplittableRandom random, long min, long max) {
        double ratio = (double) max / min;
        return Math.max(Blocks.MIN_SIZE, Math.min(max, (long) (min * Math.pow(ratio, random.nextDouble()))));
    }

    /** Skewed to small sizes (the cube of a uniform draw), for rptest's size range. */
    static long skewedSmall(SplittableRandom random, long min, long max) {
        double u = random.nextDouble();
        return Math.max(Blocks.MIN_SIZE, min + (long) ((max - min) * u * u * u));
    }
}
