package dev.lgmalloc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory of one allocator: segments cut into pages, and large blocks with their own mappings. Page
 * acquisition and release happen once per page's worth of allocations, so one lock is enough here.
 */
final class Segments {

    private final List<Segment> segments = new ArrayList<>();
    private int searchStart;
    private final AtomicLong largeBytes = new AtomicLong();
    private final AtomicLong largeCount = new AtomicLong();
    private final long purgeDelayNanos;
    private final long memoryLimit;                       // 0: none
    private final AtomicLong pageBytes = new AtomicLong(); // chunks held by pages

    // Recently freed large mappings, kept for reuse until the purge delay passes: programs that churn blocks
    // above 128 KiB would otherwise pay an mmap, page faults and an munmap per block.
    private static final int LARGE_CACHE_ENTRIES = 8;
    private static final long LARGE_CACHE_MAX_BLOCK = 32L << 20;
    private final Object largeCacheLock = new Object();
    private final Object purgeLock = new Object();
    private final long[] cachedStart = new long[LARGE_CACHE_ENTRIES];
    private final long[] cachedSize = new long[LARGE_CACHE_ENTRIES];
    private final long[] cachedAtNanos = new long[LARGE_CACHE_ENTRIES];
    private int cachedCount;
    private long cachedBytes;

    Segments(long purgeDelayNanos, long memoryLimit) {
        this.purgeDelayNanos = purgeDelayNanos;
        this.memoryLimit = memoryLimit;
    }

    /** Bytes held in pages and large blocks: what the memory limit applies to. */
    long usedBytes() {
        return pageBytes.get() + largeBytes.get();
    }

    boolean overLimit(long moreBytes) {
        return memoryLimit > 0 && usedBytes() + moreBytes > memoryLimit;
    }

    /** Pages of blocks up to 8 KiB span one chunk; larger blocks get 8 or 16 chunks, so a page holds >= 8 blocks. */
    static int chunksFor(int blockSize) {
        return blockSize <= 8 * 1024 ? 1 : blockSize <= 64 * 1024 ? 8 : 16;
    }

    /** A fresh page for class {@code sizeClass}, or null when the OS has no memory left. */
    synchronized Page acquire(Heap heap, int sizeClass, int blockSize) {
        int chunks = chunksFor(blockSize);
        if (overLimit((long) chunks << PageMap.CHUNK_SHIFT)) {
            return null;
        }
        Segment segment = null;
        int first = -1;
        for (int n = 0; n < segments.size() && first < 0; n++) {
            Segment s = segments.get((searchStart + n) % segments.size());
            first = s.findRun(chunks);
            if (first >= 0) {
                segment = s;
                searchStart = (searchStart + n) % segments.size();
            }
        }
        if (first < 0) {
            long base = Os.map(Segment.SIZE, Segment.SIZE);
            if (base == 0) {
                return null;
            }
            segment = new Segment(base);
            segments.add(segment);
            searchStart = segments.size() - 1;
            first = 0;
        }
        long mask = Segment.runMask(first, chunks);
        segment.usedMask |= mask;
        segment.dirtyMask &= ~mask;
        pageBytes.addAndGet((long) chunks << PageMap.CHUNK_SHIFT);
        Page page = new Page(segment, first, chunks, sizeClass, blockSize);
        page.heap = heap;
        segment.pages[first] = page;
        PageMap.set(page.start, chunks, page);
        return page;
    }

    /** Gives an empty page's chunks back to its segment; they are purged after the purge delay. */
    synchronized void release(Page page) {
        Segment segment = page.segment;
        int chunks = (int) ((page.end - page.start) >>> PageMap.CHUNK_SHIFT);
        long mask = Segment.runMask(page.firstChunk, chunks);
        page.state = Page.RELEASED;
        page.heap = Heap.NO_OWNER;
        page.free = 0;
        segment.usedMask &= ~mask;
        segment.dirtyMask |= mask;
        pageBytes.addAndGet(-((long) chunks << PageMap.CHUNK_SHIFT));
        segment.pages[page.firstChunk] = null;
        long now = System.nanoTime();
        for (int c = page.firstChunk; c < page.firstChunk + chunks; c++) {
            segment.freedAtNanos[c] = now;
        }
        if (segment.usedMask == 0) {
            segment.emptySinceNanos = now;
        }
    }

    /**
     * Returns memory to the OS: dirty chunks free for longer than the purge delay are purged, and segments empty
     * for longer than it are unmapped. With {@code force}, the delay is ignored. The system calls run outside the
     * lock (a purge of many chunks takes milliseconds, and threads needing pages must not wait for it); chunks
     * being purged are marked so no page takes them meanwhile.
     */
    void purge(boolean force) {
        synchronized (purgeLock) {     // one purge at a time: trim() must see the maintenance thread's finished
            purgeUnderPurgeLock(force);
        }
    }

    private void purgeUnderPurgeLock(boolean force) {
        long now = System.nanoTime();
        purgeLargeCache(now, force);
        List<long[]> purges = new ArrayList<>();      // {segment index in 'marked', first chunk, chunk count}
        List<Segment> marked = new ArrayList<>();
        List<Segment> unmapped = new ArrayList<>();
        synchronized (this) {
            for (int i = segments.size() - 1; i >= 0; i--) {
                Segment s = segments.get(i);
                if (s.usedMask == 0 && s.purgingMask == 0 && (force || now - s.emptySinceNanos >= purgeDelayNanos)) {
                    PageMap.set(s.base, Segment.CHUNKS, null);
                    segments.remove(i);
                    unmapped.add(s);
                    continue;
                }
                int c = 0;
                while (c < Segment.CHUNKS) {
                    if ((s.dirtyMask >>> c & 1) != 0 && (force || now - s.freedAtNanos[c] >= purgeDelayNanos)) {
                        int runStart = c;
                        while (c < Segment.CHUNKS && (s.dirtyMask >>> c & 1) != 0
                                && (force || now - s.freedAtNanos[c] >= purgeDelayNanos)) {
                            c++;
                        }
                        long mask = Segment.runMask(runStart, c - runStart);
                        s.dirtyMask &= ~mask;
                        s.purgingMask |= mask;
                        marked.add(s);
                        purges.add(new long[] {marked.size() - 1, runStart, c - runStart});
                    } else {
                        c++;
                    }
                }
            }
            searchStart = 0;
        }
        for (long[] p : purges) {
            Segment s = marked.get((int) p[0]);
            Os.purge(s.base + (p[1] << PageMap.CHUNK_SHIFT), p[2] << PageMap.CHUNK_SHIFT);
        }
        for (Segment s : unmapped) {
            Os.unmap(s.base, Segment.SIZE);
        }
        if (!purges.isEmpty()) {
            synchronized (this) {
                for (long[] p : purges) {
                    marked.get((int) p[0]).purgingMask &= ~Segment.runMask((int) p[1], (int) p[2]);
                }
            }
        }
    }

    /** A large block of at least {@code size} bytes aligned to {@code alignment}, or 0 when out of memory. */
    long mapLarge(long size, long alignment) {
        if (size > (1L << 46)) {
            return 0;
        }
        long mapped = (size + Os.PAGE_SIZE - 1) & -Os.PAGE_SIZE;
        if (overLimit(mapped)) {
            return 0;
        }
        long address = 0;
        synchronized (largeCacheLock) {
            for (int i = cachedCount - 1; i >= 0; i--) {
                // Reuse a mapping that fits without wasting more than half of it.
                if (cachedSize[i] >= mapped && cachedSize[i] / 2 <= mapped && (cachedStart[i] & (alignment - 1)) == 0) {
                    address = cachedStart[i];
                    mapped = cachedSize[i];
                    removeCached(i);
                    break;
                }
            }
        }
        if (address == 0) {
            address = Os.map(mapped, Math.max(PageMap.CHUNK_SIZE, alignment));
        }
        if (address == 0) {
            return 0;
        }
        PageMap.set(address, 1, new Page(address, mapped, this));
        largeBytes.addAndGet(mapped);
        largeCount.incrementAndGet();
        return address;
    }

    /**
     * Resizes the live large block of {@code page} to hold {@code size} bytes by remapping its pages, never
     * copying: in place when the address range after it is free, else moved to a fresh 64 KiB-aligned range
     * (the page map finds large blocks by their first chunk). Returns the block's address, or 0 when the limit or
     * the OS refuses; the block is then untouched.
     */
    long remapLarge(Page page, long size) {
        long mapped = (size + Os.PAGE_SIZE - 1) & -Os.PAGE_SIZE;
        long growth = mapped - page.mappedSize;
        if (size > (1L << 46) || (growth > 0 && overLimit(growth))) {
            return 0;
        }
        if (!page.casState(Page.LARGE_LIVE, Page.LARGE_FREED)) {
            throw new dev.lgmalloc.InvalidFreeException(page.start, "realloc of a large block another thread is "
                    + "freeing or resizing");
        }
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
            page.casState(Page.LARGE_FREED, Page.LARGE_LIVE);
            return 0;
        }
        if (address != page.start) {
            PageMap.set(page.start, 1, null);
        }
        PageMap.set(address, 1, new Page(address, mapped, this));
        largeBytes.addAndGet(growth);
        return address;
    }

    void unmapLarge(Page page) {
        PageMap.set(page.start, 1, null);
        largeBytes.addAndGet(-page.mappedSize);
        largeCount.decrementAndGet();
        if (page.mappedSize <= LARGE_CACHE_MAX_BLOCK) {
            synchronized (largeCacheLock) {
                if (cachedCount == LARGE_CACHE_ENTRIES) {
                    Os.unmap(cachedStart[0], cachedSize[0]);   // the oldest makes room
                    removeCached(0);
                }
                cachedStart[cachedCount] = page.start;
                cachedSize[cachedCount] = page.mappedSize;
                cachedAtNanos[cachedCount] = System.nanoTime();
                cachedBytes += page.mappedSize;
                cachedCount++;
                return;
            }
        }
        Os.unmap(page.start, page.mappedSize);
    }

    private void removeCached(int i) {
        cachedBytes -= cachedSize[i];
        int tail = cachedCount - i - 1;
        System.arraycopy(cachedStart, i + 1, cachedStart, i, tail);
        System.arraycopy(cachedSize, i + 1, cachedSize, i, tail);
        System.arraycopy(cachedAtNanos, i + 1, cachedAtNanos, i, tail);
        cachedCount--;
    }

    /** Unmaps cached large mappings older than the purge delay (all of them with {@code force}). */
    private void purgeLargeCache(long now, boolean force) {
        List<long[]> expired = new ArrayList<>();
        synchronized (largeCacheLock) {
            while (cachedCount > 0 && (force || now - cachedAtNanos[0] >= purgeDelayNanos)) {
                expired.add(new long[] {cachedStart[0], cachedSize[0]});
                removeCached(0);
            }
        }
        for (long[] mapping : expired) {
            Os.unmap(mapping[0], mapping[1]);
        }
    }

    long cachedLargeBytes() {
        synchronized (largeCacheLock) {
            return cachedBytes;
        }
    }

    long largeBytes() {
        return largeBytes.get();
    }

    long largeCount() {
        return largeCount.get();
    }

    /** Calls {@code visitor} with every page in use, under the lock (for statistics). */
    synchronized void forEachPage(java.util.function.Consumer<Page> visitor) {
        for (Segment s : segments) {
            for (Page p : s.pages) {
                if (p != null) {
                    visitor.accept(p);
                }
            }
        }
    }

    /** Reserved bytes, committed bytes and segment count of the small-block segments. */
    synchronized long[] footprint() {
        long committed = 0;
        for (Segment s : segments) {
            committed += (long) Long.bitCount(s.usedMask | s.dirtyMask) << PageMap.CHUNK_SHIFT;
        }
        return new long[] {segments.size() * Segment.SIZE, committed, segments.size()};
    }
}
