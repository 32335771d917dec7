package dev.lgmalloc.internal;

import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;

/**
 * Extent blocks a thread freed, or that a miss took from the page in advance ({@link #stock}), kept for its next
 * allocations of the same class without taking their page's lock: a few per class, last in first out, as
 * jemalloc's and glibc's thread caches keep their large bins. A block here is still live in its page's
 * {@link Units}, so no other heap can take its units; a second free of it is caught here (by the owner) or by
 * {@link #holds} (by another thread, under the page's lock), and a free of a stocked one, never handed out, is
 * refused as not allocated.
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
    /** Set in a cached address (units are 1 KiB-aligned) whose block was stocked, never handed out ({@link #stock}). */
    private static final long STOCKED = 1;
    /** What {@link #holds} finds. */
    static final int ABSENT = 0;
    static final int FREED = 1;
    static final int NEVER_HANDED_OUT = 2;
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
        return slots[base + FIRST - 1 + (int) n] & ~STOCKED;
    }

    /**
     * How many blocks of class {@code sizeClass} to stock while its page is locked for one that missed the cache:
     * half of what the class may hold, within the room it has. A thread that allocates a class in runs (rptest's
     * batches) then takes the page's lock, and its fenced instructions, once for several blocks, as jemalloc's
     * tcache fills a bin from one slab; a thread that allocates the class now and then keeps at most the class's
     * half until it trims or ends.
     */
    int stockWanted(int sizeClass) {
        int base = (sizeClass - firstClass) * STRIDE;
        if (base < 0) {
            return 0;
        }
        long shape = slots[base + 1];
        int limit = (int) (shape >>> 32);
        int room = limit - (int) slots[base];
        long bytesRoom = (MAX_BYTES - bytes) / (int) shape;
        return (int) Math.max(0, Math.min(Math.min(room, limit / 2), bytesRoom));
    }

    /**
     * Keeps {@code count} blocks of class {@code sizeClass} just taken from their page for the next allocations,
     * the first of them served first (so blocks still go out in the order the page gave them). Under the page's
     * lock, so another thread's free that takes the lock later finds them ({@link #holds}).
     */
    void stock(int sizeClass, long[] blocks, int count) {
        int base = (sizeClass - firstClass) * STRIDE;
        int n = (int) slots[base];
        for (int i = count - 1; i >= 0; i--) {
            slots[base + FIRST + n++] = blocks[i] | STOCKED;
        }
        slots[base] = n;
        bytes += (long) count * (int) slots[base + 1];
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
        int held = find(base, n, address);
        if (held != ABSENT) {
            throw new InvalidFreeException(address, refusal(held));
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

    /** What a free of a block the cache holds ({@link #FREED} or {@link #NEVER_HANDED_OUT}) is told. */
    static String refusal(int held) {
        return held == FREED ? Units.DOUBLE_FREE : Units.NOT_ALLOCATED;
    }

    /**
     * Whether the cache holds the block at {@code address} of class {@code sizeClass}, which its page counts live:
     * {@link #FREED} by the owner, {@link #NEVER_HANDED_OUT} (stocked), or {@link #ABSENT}. For another thread's
     * free or size query of it, under the page's lock; racy, so it sees a free the owner made before, not one racing
     * with it.
     */
    int holds(int sizeClass, long address) {
        int base = (sizeClass - firstClass) * STRIDE;
        if (base < 0) {
            return ABSENT;
        }
        return find(base, Math.min((int) slots[base], MAX_PER_CLASS), address);
    }

    /** Whether and how the first {@code n} addresses of the class at {@code base} hold {@code address}. */
    private int find(int base, int n, long address) {
        for (int i = base + FIRST; i < base + FIRST + n; i++) {
            long held = slots[i];
            if ((held & ~STOCKED) == address) {
                return (held & STOCKED) == 0 ? FREED : NEVER_HANDED_OUT;
            }
        }
        return ABSENT;
    }

    /** Frees every cached block into its page (by the owner, or once it has ended by whoever hands its heap back). */
    void flush(Extents extents) {
        for (int base = 0; base < slots.length; base += STRIDE) {
            for (int n = (int) slots[base]; n > 0; n--) {
                long block = slots[base + FIRST - 1 + n] & ~STOCKED;
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
