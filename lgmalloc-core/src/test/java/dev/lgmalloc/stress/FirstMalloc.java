package dev.lgmalloc.stress;

import dev.lgmalloc.LgMalloc;
import java.util.Locale;

/**
 * How long the first {@code LgMalloc.malloc} of a fresh JVM takes (creating the allocator, linking its downcalls,
 * mapping its first segment), and the second for comparison. {@code scripts/first-malloc} runs it in fresh JVMs.
 */
public final class FirstMalloc {

    private FirstMalloc() {
    }

    public static void main(String[] args) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long p = LgMalloc.malloc(64);
        long t1 = System.nanoTime();
        long c1 = threads.getCurrentThreadCpuTime();
        LgMalloc.free(p);
        long q = LgMalloc.malloc(64);
        long t2 = System.nanoTime();
        LgMalloc.free(q);
        // The thread's CPU time as well: on a loaded machine the wall time mostly measures the other processes.
        System.out.printf(Locale.ROOT, "first malloc %.1f ms (%.1f ms of CPU), second %.3f ms%n", (t1 - t0) / 1e6,
                (c1 - c0) / 1e6, (t2 - t1) / 1e6);
    }
}
