package dev.lgmalloc.internal;

import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;

/**
 * Extent blocks a thread freed and keeps for its next allocations of the same class, without taking their page's
 * lock: a few per class, last in first out, as jemalloc's and glibc's thread caches keep their large bins. A
 * block here is still live in its page's {@link Units}, so no other heap can take its units; a second free of it
 * is caught here (by the owner) or by {@link #holds} (by another thread, under the page's lock).
 *
 * <p>One flat array: per class a count and up to {@link #MAX_PER_CLASS} addresses. With a page and an array of
 * addresses per class, reference stores with their collector barriers and a dozen dependent loads made the cached
 * pair cost 31-39 ns; this way it costs 22-25 (PairBenchmark, 8 KiB, docs/BENCHMARKS.md).
 *
 * <p>Bounded: at most {@link #MAX_PER_CLASS} blocks and {@link #CLASS_BYTES} per class, {@link #MAX_BYTES} in all,
 * so a thread that stops allocating holds at most that much back from merging and from the purge. The blocks go
 * back to their pages when the thread ends and when it trims. Owner only, except {@link #holds}.
 */
final class ExtentCache {

    static final int MAX_PER_CLASS = 8;
    static final int CLASS_BYTES = 64 * 1024;
    static final long MAX_BYTES = 256 * 1024;
    /** Per class: its count, its limit and block bytes ({@code limit << 32 | bytes}), then its addresses. */
    private static final int STRIDE = MAX_PER_CLASS + 2;
    private static final int FIRST = 2;

    private final int firstClass;
    private final long[] slots;
    private long bytes;

    ExtentCache(SizeClasses classes) {
        int first = classes.count();
        while (first > 0 && Extents.serves(classes.blockSize(first - 1))) {
            first--;
        }
        this.firstClass = first;
        int bins = classes.count() - first;
        this.slots = new long[bins * STRIDE];
        for (int bin = 0; bin < bins; bin++) {
            long blockBytes = (long) Units.unitsFor(classes.blockSize(first + bin)) << Units.UNIT_SHIFT;
            long limit = Math.min(MAX_PER_CLASS, Math.max(1, CLASS_BYTES / blockBytes));
            slots[bin * STRIDE + 1] = limit << 32 | blockBytes;
        }
    }

    /** A cached block of class {@code sizeClass}, live again; 0 when there is none (or the class is no extent's). */
    long poll(int sizeClass) {
        int base = (sizeClass - firstClass) * STRIDE;
        if (base < 0) {
            return 0;
        }
        long n = slots[base];
        if (n == 0) {
            return 0;
        }
        slots[base] = n - 1;
        bytes -= (int) slots[base + 1];
        return slots[base + FIRST - 1 + (int) n];
    }

    /**
     * Keeps the block at {@code address} of {@code page} (a page of this cache's heap) if it is a live block's
     * start and its class has room; false sends it to the page's locked free, which checks it exactly.
     *
     * @throws InvalidFreeException if the block is in the cache already (a double free)
     */
    boolean offer(Page page, long address) {
        int sizeClass = page.units.liveClassAt(page, address);
        int base = (sizeClass - firstClass) * STRIDE;
        if (base < 0) {
            return false;                   // not a live block's start: the locked free says what it is
        }
        int n = (int) slots[base];
        if (contains(base, n, address)) {
            throw new InvalidFreeException(address, "double free (the block is already free)");
        }
        long shape = slots[base + 1];
        int size = (int) shape;
        if (n == (int) (shape >>> 32) || bytes + size > MAX_BYTES) {
            return false;
        }
        slots[base + FIRST + n] = address;
        slots[base] = n + 1;
        bytes += size;
        return true;
    }

    /**
     * Whether the cache holds the block at {@code address} of class {@code sizeClass}: freed, though its page
     * counts it live. For another thread's free or size query of it, under the page's lock; racy, so it sees a
     * free the owner made before, not one racing with it.
     */
    boolean holds(int sizeClass, long address) {
        int base = (sizeClass - firstClass) * STRIDE;
        if (base < 0) {
            return false;
        }
        return contains(base, Math.min((int) slots[base], MAX_PER_CLASS), address);
    }

    /** Whether the first {@code n} addresses of the class at {@code base} include {@code address}. */
    private boolean contains(int base, int n, long address) {
        for (int i = base + FIRST; i < base + FIRST + n; i++) {
            if (slots[i] == address) {
                return true;
            }
        }
        return false;
    }

    /** Frees every cached block into its page (by the owner, or once it has ended by whoever hands its heap back). */
    void flush(Extents extents) {
        for (int base = 0; base < slots.length; base += STRIDE) {
            for (int n = (int) slots[base]; n > 0; n--) {
                long block = slots[base + FIRST - 1 + n];
                slots[base] = n - 1;
                Page page = PageMap.lookup(block);
                bytes -= (int) slots[base + 1];
                if (page != null && !page.units.isReleased()) {   // a closed allocator took the page with it
                    extents.free(page, block);
                }
            }
        }
    }

    /**
     * Takes the blocks held off {@code live} (per class) and {@code totals} ({blocks, bytes}), which counted them
     * as their pages do (racy outside the owner).
     */
    void uncount(long[] live, long[] totals) {
        for (int base = 0; base < slots.length; base += STRIDE) {
            int n = Math.min((int) slots[base], MAX_PER_CLASS);
            int sizeClass = firstClass + base / STRIDE;
            if (n > 0 && sizeClass < live.length) {
                long taken = Math.min(n, live[sizeClass]);
                live[sizeClass] -= taken;
                totals[0] -= taken;
                totals[1] -= taken * (int) slots[base + 1];
            }
        }
    }
}
