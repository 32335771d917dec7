package dev.lgmalloc.internal;

import java.lang.foreign.Arena;

/**
 * A 4 MiB mapping aligned to 4 MiB, cut into 64 chunks of 64 KiB that pages are made of. All fields are
 * guarded by the {@link Segments} lock.
 *
 * <p>A <em>borrowed</em> segment is the exception: before the {@code mmap} downcall is linked (linking takes
 * about a hundred milliseconds in a fresh JVM), the first pages come from a few chunks of memory that the JDK's
 * own allocator handed to an {@link Arena}. The segment then spans the 4 MiB window around those chunks, and the
 * other chunks of the window are {@linkplain #foreignMask foreign}: never handed out, purged or unmapped.
 */
final class Segment {

    static final int SHIFT = 22;
    static final long SIZE = 1L << SHIFT;
    static final int CHUNKS = (int) (SIZE >>> PageMap.CHUNK_SHIFT);

    final long base;
    /** Chunks of the window that are not this segment's memory: always set in {@link #usedMask}. */
    final long foreignMask;
    /** Where a borrowed segment's memory came from, closed to give it back; null for a mapping of our own. */
    private final Arena lender;
    /**
     * Whether the segment holds extent pages, else pages of size classes: the two kinds never share a segment.
     * Shared, a class page took a chunk of an emptied extent page's run, the next extent page needed a fresh
     * run, and the rest of the old one stayed resident until purged (rptest: 10-15 MiB of free chunks).
     */
    boolean forExtents;
    long usedMask;      // chunks that belong to a page, and the foreign ones
    long dirtyMask;     // free chunks whose memory may still be resident
    long purgingMask;   // free chunks being purged outside the lock: not to be handed out until done
    final long[] freedAtNanos = new long[CHUNKS];
    final Page[] pages = new Page[CHUNKS];   // the page starting at each chunk
    long emptySinceNanos;

    /** A segment over a whole mapping of our own at {@code base}. */
    Segment(long base) {
        this(base, 0, null);
    }

    private Segment(long base, long foreignMask, Arena lender) {
        this.base = base;
        this.foreignMask = foreignMask;
        this.lender = lender;
        this.usedMask = foreignMask;
    }

    /**
     * A segment over a run of {@code chunks} chunks (a power of two) borrowed from the JDK's allocator, with no
     * system call of ours: the arena's memory is zeroed, as mapped memory is. The run is aligned to its length, as
     * {@link #findRun} places pages, so it never crosses its window and holds one page of that many chunks; several
     * borrowed segments may share a window, each foreign to the others. Returns null when the JDK has no memory.
     */
    static Segment borrow(int chunks) {
        if (Integer.bitCount(chunks) != 1 || chunks > CHUNKS) {
            throw new IllegalArgumentException("a run of " + chunks + " chunks is not a power of two up to " + CHUNKS);
        }
        long bytes = (long) chunks << PageMap.CHUNK_SHIFT;
        Arena arena = Arena.ofShared();
        long start;
        try {
            start = arena.allocate(bytes, bytes).address();
        } catch (OutOfMemoryError e) {
            arena.close();
            return null;
        }
        long window = start & -SIZE;
        int first = (int) ((start - window) >>> PageMap.CHUNK_SHIFT);
        Segment segment = new Segment(window, ~runMask(first, chunks), arena);
        // Zeroed by the JDK, so resident: dirty from the start, to be purged after the delay like released chunks.
        segment.dirtyMask = ~segment.foreignMask;
        java.util.Arrays.fill(segment.freedAtNanos, System.nanoTime());
        return segment;
    }

    boolean isBorrowed() {
        return lender != null;
    }

    /** No page in use. */
    boolean isEmpty() {
        return usedMask == foreignMask;
    }

    /** Bytes of memory this segment stands for. */
    long ownedBytes() {
        return (long) Long.bitCount(~foreignMask) << PageMap.CHUNK_SHIFT;
    }

    /** Clears this segment's chunks from the page map, leaving the foreign chunks of a borrowed window alone. */
    void unmapPages() {
        if (foreignMask == 0) {
            PageMap.set(base, CHUNKS, null);
            return;
        }
        for (int c = 0; c < CHUNKS; c++) {
            if ((foreignMask >>> c & 1) == 0) {
                PageMap.set(base + ((long) c << PageMap.CHUNK_SHIFT), 1, null);
            }
        }
    }

    /** Returns the memory to where it came from: the OS, or the JDK's allocator for a borrowed segment. */
    void giveBack() {
        if (lender != null) {
            lender.close();
        } else {
            Os.unmap(base, SIZE);
        }
    }

    /**
     * The free run of {@code chunks} chunks, aligned to its length, with the most dirty chunks (the first of
     * those), or -1. Dirty chunks first: their memory is resident already, and a page on clean chunks would make
     * more of it resident while the dirty ones wait for their purge.
     */
    int findRun(int chunks) {
        long run = chunks == 64 ? -1L : (1L << chunks) - 1;
        int best = -1;
        int bestDirty = -1;
        for (int i = 0; i + chunks <= CHUNKS; i += chunks) {
            long mask = run << i;
            if (((usedMask | purgingMask) & mask) == 0) {
                int dirty = Long.bitCount(dirtyMask & mask);
                if (dirty > bestDirty) {
                    best = i;
                    bestDirty = dirty;
                    if (dirty == chunks) {
                        break;
                    }
                }
            }
        }
        return best;
    }

    /** Dirty chunks in the run of {@code chunks} chunks at {@code first}. */
    int dirtyChunks(int first, int chunks) {
        return Long.bitCount(dirtyMask & runMask(first, chunks));
    }

    static long runMask(int first, int chunks) {
        return (chunks == 64 ? -1L : (1L << chunks) - 1) << first;
    }
}
