package dev.lgmalloc.internal;

/**
 * A 4 MiB mapping aligned to 4 MiB, cut into 64 chunks of 64 KiB that pages are made of. All fields are
 * guarded by the {@link Segments} lock.
 */
final class Segment {

    static final int SHIFT = 22;
    static final long SIZE = 1L << SHIFT;
    static final int CHUNKS = (int) (SIZE >>> PageMap.CHUNK_SHIFT);

    final long base;
    long usedMask;      // chunks that belong to a page
    long dirtyMask;     // free chunks whose memory may still be resident
    long purgingMask;   // free chunks being purged outside the lock: not to be handed out until done
    final long[] freedAtNanos = new long[CHUNKS];
    final Page[] pages = new Page[CHUNKS];   // the page starting at each chunk
    long emptySinceNanos;

    Segment(long base) {
        this.base = base;
    }

    /** The first free run of {@code chunks} chunks aligned to its length, or -1. */
    int findRun(int chunks) {
        long run = chunks == 64 ? -1L : (1L << chunks) - 1;
        for (int i = 0; i + chunks <= CHUNKS; i += chunks) {
            if (((usedMask | purgingMask) & (run << i)) == 0) {
                return i;
            }
        }
        return -1;
    }

    static long runMask(int first, int chunks) {
        return (chunks == 64 ? -1L : (1L << chunks) - 1) << first;
    }
}
