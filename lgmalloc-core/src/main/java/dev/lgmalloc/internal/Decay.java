package dev.lgmalloc.internal;

/**
 * A heap's recent frees of big blocks (at least {@link Heap#DECAY_MIN_BLOCK} bytes), oldest first. A block that
 * stays free for the purge delay gives the OS pages inside it back ({@code madvise(MADV_DONTNEED)}): a page of
 * eight 128 KiB blocks with one live block otherwise keeps 896 free KiB resident for as long as that block lives.
 * The block stays in its free list; when it is handed out again, its interior reads as zeros and is faulted in
 * as the program touches it, which is what {@code malloc} promises (unspecified contents).
 *
 * <p>Only the owner purges, from its own free and slow paths: a free block of a live thread's page may be handed
 * out by that thread at any moment, and a purge racing with that would wipe the program's data. So a thread that
 * goes idle keeps its free blocks' memory until it frees or allocates again (or ends, and its empty pages go).
 *
 * <p>Each free writes its time into the block (its second word, free memory of ours), and the record keeps the
 * same time: a block handed out and freed again since has another stamp, and is purged after its own delay. The
 * time is the maintenance thread's clock ({@link Maintenance#clock()}, one tick of resolution): a {@code nanoTime}
 * call per free would cost more than the free. Within one tick a block freed, reused and freed again keeps its
 * stamp, so it may be purged up to a tick early; a purge of a block that is free is always safe.
 */
final class Decay {

    /** Where a free big block keeps the time it was freed: after its free-list link. */
    static final int STAMP_OFFSET = 8;

    private final long delayNanos;
    private final Page[] pages = new Page[Heap.DECAY_SLOTS];
    private final long[] blocks = new long[Heap.DECAY_SLOTS];
    private final long[] freedAt = new long[Heap.DECAY_SLOTS];
    private int first;
    private int count;
    /** Bytes given back so far (read racily by statistics and tests). */
    private long purgedBytes;

    Decay(long delayNanos) {
        this.delayNanos = delayNanos;
    }

    boolean isEmpty() {
        return count == 0;
    }

    long purgedBytes() {
        return purgedBytes;
    }

    /** Records the free of {@code block} of {@code page} at {@code now}, forgetting the oldest record when full. */
    void add(Page page, long block, long now) {
        Memory.putLong(block + STAMP_OFFSET, now);
        if (count == pages.length) {
            drop();
        }
        int i = (first + count) % pages.length;
        pages[i] = page;
        blocks[i] = block;
        freedAt[i] = now;
        count++;
    }

    /** Purges the blocks freed at least the delay before {@code now} that are still free since then. */
    void purgeDue(Heap heap, long now) {
        while (count > 0 && now - freedAt[first] >= delayNanos) {
            Page page = pages[first];
            long block = blocks[first];
            long stamp = freedAt[first];
            drop();
            if (heap.stillFreeSince(page, block, stamp)) {
                purgedBytes += purgeInterior(block, page.blockSize);
            }
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

    private void drop() {
        pages[first] = null;
        first = (first + 1) % pages.length;
        count--;
    }
}
