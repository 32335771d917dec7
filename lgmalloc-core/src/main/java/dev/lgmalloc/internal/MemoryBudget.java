package dev.lgmalloc.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes an allocator holds for use: chunks of pages and mappings of live large blocks. With a limit,
 * every byte is reserved with a compare-and-set before it is mapped or handed to a page, so threads racing for
 * the last bytes can never overshoot it together (a check followed by a separate add could). Memory an
 * allocator keeps only for reuse (free chunks not yet purged, freed large mappings in the cache) is not counted.
 */
final class MemoryBudget {

    private final long limit;        // 0: none
    private final AtomicLong used = new AtomicLong();
    /** The highest {@code used} has been: it reaches a new height only through a reservation, which raises this. */
    private final AtomicLong peak = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    /** Reserves {@code bytes}; false, reserving nothing, when the limit would be passed. */
    boolean tryReserve(long bytes) {
        if (limit == 0) {
            notePeak(used.addAndGet(bytes));
            return true;
        }
        while (true) {
            long now = used.get();
            if (bytes > limit - now) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                notePeak(now + bytes);
                return true;
            }
        }
    }

    /**
     * Raises the peak to {@code held}, a value {@code used} took. Reservations are slow paths (a page, a large
     * mapping), so the extra compare-and-set costs no fast path anything.
     */
    private void notePeak(long held) {
        long seen = peak.get();
        while (held > seen && !peak.compareAndSet(seen, held)) {
            seen = peak.get();
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    /** The most bytes held at once since this budget was made; exact, as every new height is a reservation's. */
    long peak() {
        return peak.get();
    }

    long limit() {
        return limit;
    }

    /** Whether the limit, rather than the OS, stands in the way of {@code bytes} more. */
    boolean refuses(long bytes) {
        return limit > 0 && bytes > limit - used.get();
    }
}
