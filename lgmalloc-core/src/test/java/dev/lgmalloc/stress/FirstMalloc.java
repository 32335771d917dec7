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
        long t0 = System.nanoTime();
        long p = LgMalloc.malloc(64);
        long t1 = System.nanoTime();
        LgMalloc.free(p);
        long q = LgMalloc.malloc(64);
        long t2 = System.nanoTime();
        LgMalloc.free(q);
        System.out.printf(Locale.ROOT, "first malloc %.1f ms, second %.3f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }
}
