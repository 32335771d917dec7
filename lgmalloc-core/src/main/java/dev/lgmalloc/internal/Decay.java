package dev.lgmalloc.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives back the memory of a heap's big free blocks (at least {@link Heap#DECAY_MIN_BLOCK} bytes) that stay free:
 * the OS pages inside such a block are purged ({@code madvise(MADV_DONTNEED)}) once it has been free for the purge
 * delay. Segregated size classes keep, per thread and class, as many blocks as were ever live at once; the ones
 * beyond what is live now sit deep in their free lists, free for long, and those are what this returns. The block
 * stays in its free list; handed out again, its interior reads as zeros and is faulted in as the program touches
 * it, which is what {@code malloc} promises (unspecified contents).
 *
 * <p>Every purge delay, the owner sweeps the free lists of its pages of big classes, from its own free and slow
 * paths. Only the owner may: a free block of a live thread's page may be handed out by that thread at any moment,
 * and a purge racing with that would wipe the program's data. A thread that goes idle keeps its free blocks'
 * memory until it frees or allocates again (or ends, and its empty pages go).
 *
 * <p>A block's second word, free memory of ours, holds the time it was freed (stamped by the owner's free) or
 * {@link #PURGED}. A block another thread freed carries whatever the program left there: a word that is not a
 * recent time is stamped with the sweep's time, so the block is purged a delay later if it stays free. The time is
 * the maintenance thread's clock ({@link Maintenance#clock()}, one tick of resolution): a {@code nanoTime} call per
 * free would cost more than the free. Purging a block early is only a page fault later; purging one that is
 * free is always safe.
 *
 * <p>The first design remembered the last 32 big frees and purged those that stayed free: the blocks freed most
 * recently are the ones reused first, while the old ones deep in the lists, the memory that was the problem, had
 * been forgotten. glibc-thread's peak RSS did not move with it.
 */
final class Decay {

    /** Where a free big block keeps the time it was freed: after its free-list link. */
    static final int STAMP_OFFSET = 8;
    /** The stamp of a block whose interior is already given back. */
    static final long PURGED = Long.MIN_VALUE;
    /** A stamp older than this is not one of ours (a remote free's data) or too old to trust: stamped afresh. */
    private static final long PLAUSIBLE_AGE_NANOS = 60_000_000_000L;

    private final long delayNanos;
    private long nextSweep;
    private final List<Page> pages = new ArrayList<>();
    /** Bytes given back so far (read racily by statistics and tests). */
    private long purgedBytes;

    Decay(long delayNanos) {
        this.delayNanos = delayNanos;
    }

    long purgedBytes() {
        return purgedBytes;
    }

    /** Stamps a big block the owner just freed. */
    static void freed(long block, long now) {
        Memory.putLong(block + STAMP_OFFSET, now);
    }

    /** Whether a sweep is due at {@code now}: at most one per purge delay. */
    boolean due(long now) {
        return now - nextSweep >= 0;
    }

    /** Sweeps {@code heap}'s pages of big classes, which the heap lists into {@link #pages()} first. */
    void sweep(long now) {
        nextSweep = now + Math.max(delayNanos, 1);
        for (Page page : pages) {
            sweep(page, now);
        }
        pages.clear();
    }

    /** Where the heap puts the pages to sweep, under its list lock; the sweep itself runs outside it. */
    List<Page> pages() {
        return pages;
    }

    /** Purges the interior of each block of {@code page}'s free list that has stayed free for the delay. */
    private void sweep(Page page, long now) {
        long block = page.free;
        for (int steps = page.capacity(); block != 0 && steps > 0; steps--) {
            long next = Page.decode(Memory.getLong(block), block);
            if (next != 0 && (next & page.alignMask) != page.start) {
                return;         // a corrupted link: the owner's next malloc from this page quarantines it
            }
            long stamp = Memory.getLong(block + STAMP_OFFSET);
            if (stamp != PURGED) {
                long age = now - stamp;
                if (age < 0 || age > PLAUSIBLE_AGE_NANOS) {
                    Memory.putLong(block + STAMP_OFFSET, now);
                } else if (age >= delayNanos) {
                    purgedBytes += purgeInterior(block, page.blockSize);
                    Memory.putLong(block + STAMP_OFFSET, PURGED);
                }
            }
            block = next;
        }
    }

    /** Gives back the OS pages wholly inside the block past its link and stamp; returns how many bytes. */
    static long purgeInterior(long block, int blockSize) {
        long from = (block + STAMP_OFFSET + Long.BYTES + Os.PAGE_SIZE - 1) & -Os.PAGE_SIZE;
        long to = (block + blockSize) & -Os.PAGE_SIZE;
        if (to <= from) {
            return 0;
        }
        Os.purge(from, to - from);
        return to - from;
    }
}
