package dev.lgmalloc.internal;

import dev.lgmalloc.InvalidFreeException;
import java.util.ArrayList;
import java.util.List;

/**
 * Blocks above the largest size class, each in a mapping of its own, found through the page map by their
 * first 64 KiB chunk (so every large block starts on a chunk boundary).
 *
 * <p>The one rule that keeps them safe: a block's page-map entry is cleared <em>before</em> the kernel may give
 * its address range to anyone else (by {@code munmap}, or by {@code mremap} moving the block away), and set only
 * while the range is mapped for it. Clearing after a move let another thread map a new block at the released
 * address, register it, and then lose its entry to the late clear: its valid free was refused as foreign.
 *
 * <p>Recently freed mappings are kept for reuse until the purge delay passes: programs that churn blocks above
 * the largest class would otherwise pay an {@code mmap}, page faults and an {@code munmap} per block. A kept
 * mapping is a run of resident pages, not a block: a smaller request takes its first chunks and leaves the rest
 * kept, and a block that grows takes the kept run right after it, or moves its pages onto the start of a kept run
 * ({@code mremap}), so a buffer that grows by doubling, is freed and grows again writes into pages it already
 * touched, with no copy and no page fault, where a fresh range faults in every page it grows by.
 */
final class LargeBlocks {

    /** The largest request a mapping can serve: 64 TiB, far beyond any machine, so bigger sizes fail early. */
    static final long MAX_SIZE = 1L << 46;

    private static final int CACHE_ENTRIES = 8;
    /**
     * At most this much kept, and no freed mapping larger: the purge delay bounds how long it stays resident, this
     * how much. A growing buffer of 64 MiB, freed and grown again, fits.
     */
    static final long CACHE_MAX_BYTES = 256L << 20;

    private final MemoryBudget budget;
    private final long purgeDelayNanos;
    /**
     * Guards the live blocks' list and counts and the kept runs: one lock a malloc or a free takes once. (A
     * concurrent set of live pages cost a large pair more than everything else together: each new page's identity
     * hash is made by the JVM on its slow path.)
     */
    private final Object lock = new Object();
    /**
     * Every live block's page, so closing the allocator can unmap what the program never freed: linked through the
     * pages' {@code prev} and {@code next}, which a large block's page uses for nothing else.
     */
    private Page liveHead;
    private long liveBytes;
    private long liveCount;
    private final long[] cachedStart = new long[CACHE_ENTRIES];   // guarded by lock, oldest first
    private final long[] cachedSize = new long[CACHE_ENTRIES];
    private final long[] cachedAtNanos = new long[CACHE_ENTRIES];
    private int cachedCount;
    private long cachedBytes;

    LargeBlocks(MemoryBudget budget, long purgeDelayNanos) {
        this.budget = budget;
        this.purgeDelayNanos = purgeDelayNanos;
    }

    static long mappingSize(long size) {
        return (size + Os.PAGE_SIZE - 1) & -Os.PAGE_SIZE;
    }

    /** A block of at least {@code size} bytes aligned to {@code alignment}; 0 when the limit or the OS refuses. */
    long map(long size, long alignment) {
        return map(size, alignment, false);
    }

    /**
     * {@link #map(long, long)}, with every byte zero when {@code zeroed}: a fresh mapping is (the kernel hands out
     * zero pages on first touch), and kept pages are made so where they lie ({@link Os#zero}): written over where
     * resident, dropped where not. {@code calloc} of a large block adds no resident memory either way, and one
     * that reuses the pages of a block just freed costs no page faults.
     */
    long map(long size, long alignment, boolean zeroed) {
        if (size > MAX_SIZE) {
            return 0;
        }
        long mapped = mappingSize(size);
        long wanted = chunkCeil(mapped);
        Page page = null;
        if (budget.tryReserve(wanted)) {
            synchronized (lock) {         // taken and listed as live in one hold of the lock
                long kept = takeKept(wanted, alignment);
                if (kept != 0) {
                    page = new Page(kept, wanted, this);
                    link(page);
                }
            }
            if (page == null) {
                budget.release(wanted);
            } else if (zeroed) {
                Os.zero(page.start, wanted);
            }
        }
        if (page == null) {
            if (!budget.tryReserve(mapped)) {
                return 0;
            }
            long address = Os.map(mapped, Math.max(PageMap.CHUNK_SIZE, alignment));
            if (address == 0) {
                budget.release(mapped);
                return 0;
            }
            page = new Page(address, mapped, this);
            synchronized (lock) {
                link(page);
            }
        }
        PageMap.set(page.start, 1, page);
        return page.start;
    }

    /**
     * Resizes the live block of {@code page} to hold {@code size} bytes by remapping its pages, never copying:
     * in place when the address range after it is free, else moved onto a fresh chunk-aligned range. Returns the
     * block's address, or 0 when the limit or the OS refuses; the block is then unchanged and still live.
     */
    long remap(Page page, long size) {
        if (size > MAX_SIZE) {
            return 0;
        }
        long mapped = mappingSize(size);
        long growth = mapped - page.mappedSize;
        if (!page.casState(Page.LARGE_LIVE, Page.LARGE_FREED)) {
            throw new InvalidFreeException(page.start, "realloc of a large block that is not live (freed, or being "
                    + "freed or resized by another thread)");
        }
        if (growth > 0) {
            long grownOntoKept = growOntoKept(page, mapped);
            if (grownOntoKept != 0) {
                return grownOntoKept;
            }
        }
        if (growth > 0 && !budget.tryReserve(growth)) {
            page.casState(Page.LARGE_FREED, Page.LARGE_LIVE);
            return 0;
        }
        PageMap.set(page.start, 1, null);        // before mremap can release the old range (see the class comment)
        long address = Os.remap(page.start, page.mappedSize, mapped, 0);
        if (address == 0) {
            long target = Os.map(mapped, PageMap.CHUNK_SIZE);
            if (target != 0) {
                address = Os.remap(page.start, page.mappedSize, mapped, target);
                if (address == 0) {
                    Os.unmap(target, mapped);
                }
            }
        }
        if (address == 0) {
            PageMap.set(page.start, 1, page);
            page.casState(Page.LARGE_FREED, Page.LARGE_LIVE);
            if (growth > 0) {
                budget.release(growth);
            }
            return 0;
        }
        if (growth < 0) {
            budget.release(-growth);
        }
        return replace(page, address, mapped);
    }

    /**
     * Grows the claimed block of {@code page} to {@code mapped} bytes (rounded up to whole chunks) onto kept pages:
     * the kept run right after it, or the start of a kept run its pages move onto. Returns the block's address, or
     * 0 when no kept run serves or the limit refuses, the block then unchanged and still claimed.
     */
    private long growOntoKept(Page page, long mapped) {
        long wanted = chunkCeil(mapped);
        long growth = wanted - page.mappedSize;
        if (!budget.tryReserve(growth)) {
            return 0;
        }
        boolean adjacent;
        long target = 0;
        synchronized (lock) {
            adjacent = takeKeptAt(page.start + page.mappedSize, growth);
            if (!adjacent) {
                target = takeKept(wanted, PageMap.CHUNK_SIZE);
            }
        }
        if (adjacent) {
            return replace(page, page.start, wanted);         // the pages after it are its own now: no system call
        }
        if (target != 0) {
            PageMap.set(page.start, 1, null);     // before mremap releases the old range (see the class comment)
            if (Os.remap(page.start, page.mappedSize, page.mappedSize, target) == target) {
                return replace(page, target, wanted);
            }
            Os.unmap(target, wanted);       // a fixed move that failed may have unmapped part of it already
            PageMap.set(page.start, 1, page);
        }
        budget.release(growth);
        return 0;
    }

    /** Registers the block that {@code page}'s claimed block became: {@code mapped} bytes at {@code address}. */
    private long replace(Page page, long address, long mapped) {
        Page resized = new Page(address, mapped, this);
        synchronized (lock) {
            unlink(page);
            link(resized);
        }
        PageMap.set(address, 1, resized);
        return address;
    }

    /** Caller holds {@link #lock}. */
    private void link(Page page) {
        page.prev = null;
        page.next = liveHead;
        if (liveHead != null) {
            liveHead.prev = page;
        }
        liveHead = page;
        liveBytes += page.mappedSize;
        liveCount++;
    }

    /** Caller holds {@link #lock}. */
    private void unlink(Page page) {
        if (page.prev != null) {
            page.prev.next = page.next;
        } else {
            liveHead = page.next;
        }
        if (page.next != null) {
            page.next.prev = page.prev;
        }
        page.prev = null;
        page.next = null;
        liveBytes -= page.mappedSize;
        liveCount--;
    }

    private static long chunkCeil(long bytes) {
        return (bytes + PageMap.CHUNK_SIZE - 1) & -PageMap.CHUNK_SIZE;
    }

    /** Frees the block of {@code page}, which the caller has claimed (state {@link Page#LARGE_FREED}). */
    void free(Page page) {
        PageMap.set(page.start, 1, null);        // before the range can go to anyone else
        budget.release(page.mappedSize);
        boolean kept = page.mappedSize <= CACHE_MAX_BYTES;
        long[] evicted;
        synchronized (lock) {
            unlink(page);
            evicted = kept ? keep(page.start, page.mappedSize) : null;
        }
        if (!kept) {
            Os.unmap(page.start, page.mappedSize);
        }
        unmapAll(evicted);
    }

    // ---------------------------------------------------------------- the cache of freed mappings

    /**
     * The first {@code wanted} bytes (whole chunks) of the smallest kept run that holds them and starts at a multiple
     * of {@code alignment}, the newest among equals, by its address; 0 when none does. The rest of the run
     * stays kept, with its age, and starts on a chunk as every block must. Caller holds {@link #lock}.
     */
    private long takeKept(long wanted, long alignment) {
        int best = -1;
        for (int i = cachedCount - 1; i >= 0; i--) {
            if (cachedSize[i] >= wanted && (cachedStart[i] & (alignment - 1)) == 0
                    && (best < 0 || cachedSize[i] < cachedSize[best])) {
                best = i;
            }
        }
        if (best < 0) {
            return 0;
        }
        long start = cachedStart[best];
        shrinkFromFront(best, wanted);
        return start;
    }

    /**
     * Takes the first {@code bytes} of the kept run that starts at {@code address}, if there is one that long.
     * Caller holds {@link #lock}.
     */
    private boolean takeKeptAt(long address, long bytes) {
        for (int i = 0; i < cachedCount; i++) {
            if (cachedStart[i] == address) {
                if (cachedSize[i] < bytes) {
                    return false;
                }
                shrinkFromFront(i, bytes);
                return true;
            }
        }
        return false;
    }

    private void shrinkFromFront(int i, long bytes) {
        if (bytes == cachedSize[i]) {
            remove(i);
        } else {
            cachedStart[i] += bytes;
            cachedSize[i] -= bytes;
            cachedBytes -= bytes;
        }
    }

    /**
     * Keeps a freed mapping of at most {@link #CACHE_MAX_BYTES} for reuse, making room by taking out the oldest, which
     * it returns as {address, bytes, address, bytes...} for the caller to unmap after the lock (null when none).
     * Caller holds {@link #lock}.
     */
    private long[] keep(long start, long size) {
        long[] evicted = null;
        while (cachedCount == CACHE_ENTRIES || cachedBytes + size > CACHE_MAX_BYTES) {
            evicted = evicted == null ? new long[] {cachedStart[0], cachedSize[0]}
                    : appended(evicted, cachedStart[0], cachedSize[0]);
            remove(0);
        }
        cachedStart[cachedCount] = start;
        cachedSize[cachedCount] = size;
        cachedAtNanos[cachedCount] = System.nanoTime();
        cachedBytes += size;
        cachedCount++;
        return evicted;
    }

    private static long[] appended(long[] pairs, long start, long size) {
        long[] more = java.util.Arrays.copyOf(pairs, pairs.length + 2);
        more[pairs.length] = start;
        more[pairs.length + 1] = size;
        return more;
    }

    /** Unmaps {address, bytes} pairs; nothing for null. */
    private static void unmapAll(long[] pairs) {
        if (pairs != null) {
            for (int i = 0; i < pairs.length; i += 2) {
                Os.unmap(pairs[i], pairs[i + 1]);
            }
        }
    }

    private void remove(int i) {
        cachedBytes -= cachedSize[i];
        int tail = cachedCount - i - 1;
        System.arraycopy(cachedStart, i + 1, cachedStart, i, tail);
        System.arraycopy(cachedSize, i + 1, cachedSize, i, tail);
        System.arraycopy(cachedAtNanos, i + 1, cachedAtNanos, i, tail);
        cachedCount--;
    }

    /** Unmaps cached mappings older than the purge delay (all of them with {@code force}). */
    void purge(boolean force) {
        long now = System.nanoTime();
        List<long[]> expired = new ArrayList<>();
        synchronized (lock) {
            while (cachedCount > 0 && (force || now - cachedAtNanos[0] >= purgeDelayNanos)) {
                expired.add(new long[] {cachedStart[0], cachedSize[0]});
                remove(0);
            }
        }
        for (long[] mapping : expired) {
            Os.unmap(mapping[0], mapping[1]);
        }
    }

    /** Unmaps every live and cached block: the allocator is closing, and nothing may use them any more. */
    void closeAll() {
        List<Page> pages = new ArrayList<>();
        synchronized (lock) {
            while (liveHead != null) {
                pages.add(liveHead);
                unlink(liveHead);
            }
        }
        for (Page page : pages) {
            PageMap.set(page.start, 1, null);
            Os.unmap(page.start, page.mappedSize);
            budget.release(page.mappedSize);
        }
        purge(true);
    }

    /** Every live and cached mapping, as {address, bytes}. */
    List<long[]> mappings() {
        List<long[]> mappings = new ArrayList<>();
        synchronized (lock) {
            for (Page page = liveHead; page != null; page = page.next) {
                mappings.add(new long[] {page.start, page.mappedSize});
            }
            for (int i = 0; i < cachedCount; i++) {
                mappings.add(new long[] {cachedStart[i], cachedSize[i]});
            }
        }
        return mappings;
    }

    long cachedBytes() {
        synchronized (lock) {
            return cachedBytes;
        }
    }

    long liveBytes() {
        synchronized (lock) {
            return liveBytes;
        }
    }

    long liveCount() {
        synchronized (lock) {
            return liveCount;
        }
    }
}
