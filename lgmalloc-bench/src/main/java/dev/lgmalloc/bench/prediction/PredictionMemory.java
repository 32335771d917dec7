package dev.lgmalloc.bench.prediction;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code prediction-memory [--quick]}: the memory half of "prediction on vs off" (issue 3), in one JVM with one
 * {@link dev.lgmalloc.Allocator} per configuration, printed as Markdown tables.
 *
 * <ol>
 *   <li>RSS and committed bytes per requested byte for predicted constant sizes, with the standard classes and
 *       with the plan's exact class: 200 B (already a standard class: no gain expected), 300 B (320 against 304)
 *       and 1040 B (1152 against 1040, the largest rounding of the three).</li>
 *   <li>Per-thread memory of 200 threads holding 4 blocks each of 64 and 300 B: no provisioning, the plan's (only
 *       the two predicted classes), and sixteen classes provisioned without a prediction.</li>
 * </ol>
 * About a minute; {@code --quick} (a fifth of the blocks, a quarter of the threads) about 5 s.
 */
public final class PredictionMemory {

    static final long[] SIZES = {200, 300, 1040};
    static final int THREADS = 200;
    static final int BLOCKS_PER_SIZE = 4;
    private static final long BYTES_PER_SIZE = 512L << 20;
    private static final int MAX_BLOCKS = 1_000_000;

    private PredictionMemory() {
    }

    /** Runs both experiments and prints their tables; returns the process exit code. */
    public static int run(List<String> args, PrintStream out, PrintStream err) throws InterruptedException {
        boolean quick = args.contains("--quick");
        if (!args.stream().allMatch("--quick"::equals)) {
            err.println("usage: prediction-memory [--quick]");
            return 2;
        }
        out.println("## Exact class for a predicted constant size (one thread, blocks held)");
        out.println();
        out.println("| size | blocks | block off | block on | RSS/requested off | on | committed/requested off | on |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (long size : SIZES) {
            ExactClassFootprint f = ExactClassFootprint.measure(size, blocksFor(size), quick);
            out.println(String.format(Locale.ROOT, "| %d | %d | %d | %d | %.3f | %.3f | %.3f | %.3f |", f.size(),
                    f.blocks(), f.blockSizeOff(), f.blockSizeOn(), f.rssOff(), f.rssOn(), f.committedOff(),
                    f.committedOn()));
        }
        out.println();
        out.println("## Per-thread memory: " + (quick ? THREADS / 4 : THREADS) + " threads x " + BLOCKS_PER_SIZE
                + " blocks of 64 and 300 B (median of 3)");
        out.println();
        out.println("| configuration | RSS per thread beyond requested (B) | committed per thread (B) |");
        out.println("|---|---:|---:|");
        for (ThreadHeapFootprint.Setup setup : ThreadHeapFootprint.Setup.values()) {
            ThreadHeapFootprint f = ThreadHeapFootprint.measure(setup, THREADS, BLOCKS_PER_SIZE, quick);
            out.println(String.format(Locale.ROOT, "| %s | %.0f | %.0f |", f.configuration(), f.rssPerThread(),
                    f.committedPerThread()));
        }
        return 0;
    }

    /** A million blocks, or fewer for large sizes so that each run holds at most 512 MiB. */
    static int blocksFor(long size) {
        return (int) Math.min(MAX_BLOCKS, BYTES_PER_SIZE / size);
    }
}
