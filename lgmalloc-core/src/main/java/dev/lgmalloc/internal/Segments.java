package dev.lgmalloc.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The small-block memory of one allocator: 4 MiB segments cut into pages. Page acquisition and release happen
 * once per page's worth of allocations, so one lock is enough here.
 */
final class Segments {

    /**
     * Chunks borrowed at most, 1 MiB, each run just what its page needs: borrowed memory is zeroed, so resident,
     * when it is borrowed, and a fresh JVM's first 1 MiB took 4.7 ms to zero and fault in where 64 KiB took 1.3
     * (docs/BENCHMARKS.md). A program that needs more before the maintenance thread has linked {@code mmap} links
     * it itself, as every first malloc used to.
     */
    private static final int BORROWED_CHUNKS_LIMIT = 16;

    private final List<Segment> segments = new ArrayList<>();
    private int searchStart;
    private final long purgeDelayNanos;
    private final MemoryBudget budget;
    private final LargeBlocks largeBlocks;       // its freed mappings are purged with the segments' free chunks
    private final Object purgeLock = new Object();

    Segments(long purgeDelayNanos, MemoryBudget budget, LargeBlocks largeBlocks) {
        this.purgeDelayNanos = purgeDelayNanos;
        this.budget = budget;
        this.largeBlocks = largeBlocks;
    }

    /**
     * The smallest page that holds at least 8 blocks: one chunk for every class below 8 KiB, the only ones with
     * pages of their class (bigger blocks are extents). Not bigger: each thread keeps a partly used page per
     * class, and a small page empties often enough to go back to the segment, where any class can take its
     * chunks.
     */
    static int chunksFor(int blockSize) {
        long chunks = ((8L * blockSize) + PageMap.CHUNK_SIZE - 1) >>> PageMap.CHUNK_SHIFT;
        return chunks <= 1 ? 1 : Integer.highestOneBit((int) chunks - 1) << 1;
    }

    /** A fresh page for class {@code sizeClass}, or null when the OS has no memory left. */
    synchronized Page acquire(Heap heap, int sizeClass, int blockSize) {
        int chunks = chunksFor(blockSize);
        Run run = takeRun(chunks, false);
        if (run == null) {
            return null;
        }
        Page page = new Page(run.segment(), run.first(), chunks, sizeClass, blockSize);
        page.heap = heap;
        install(page, chunks);
        return page;
    }

    /** A fresh extent page of {@code chunks} chunks ({@link Extents}), or null when the OS has no memory left. */
    synchronized Page acquireExtentPage(int chunks, Extents extents) {
        Run run = takeRun(chunks, true);
        if (run == null) {
            return null;
        }
        Page page = Page.extents(run.segment(), run.first(), chunks, extents);
        install(page, chunks);
        return page;
    }

    /** A run of chunks taken for a page: its segment and first chunk. */
    private record Run(Segment segment, int first) {
    }

    /**
     * Takes a free run of {@code chunks} chunks, aligned to its length, against the memory budget; null when the
     * budget or the OS refuses.
     */
    private Run takeRun(int chunks, boolean forExtents) {
        long bytes = (long) chunks << PageMap.CHUNK_SHIFT;
        if (!budget.tryReserve(bytes)) {
            return null;
        }
        // The run with the most dirty chunks in any segment (resident memory before fresh), the first found
        // among equals, starting where the last search succeeded.
        Segment segment = null;
        int first = -1;
        int dirty = -1;
        for (int n = 0; n < segments.size() && dirty < chunks; n++) {
            int index = (searchStart + n) % segments.size();
            Segment s = segments.get(index);
            if (s.forExtents != forExtents) {
                continue;
            }
            int run = s.findRun(chunks);
            int runDirty = run < 0 ? -1 : s.dirtyChunks(run, chunks);
            if (runDirty > dirty) {
                segment = s;
                first = run;
                dirty = runDirty;
                searchStart = index;
            }
        }
        if (first < 0) {
            segment = newSegment(chunks);
            if (segment == null) {
                budget.release(bytes);
                return null;
            }
            segment.forExtents = forExtents;
            segments.add(segment);
            searchStart = segments.size() - 1;
            first = segment.findRun(chunks);
        }
        long mask = Segment.runMask(first, chunks);
        segment.usedMask |= mask;
        segment.dirtyMask &= ~mask;
        return new Run(segment, first);
    }

    private static void install(Page page, int chunks) {
        page.segment.pages[page.firstChunk] = page;
        PageMap.set(page.start, chunks, page);
    }

    /**
     * A new segment with a free run of {@code chunks} chunks, or null when the OS has no memory left. Until
     * {@code mmap} is linked, the memory is borrowed from the JDK's allocator, so the first malloc of a JVM does
     * not wait for the linker; the maintenance thread links it on its first tick.
     */
    private Segment newSegment(int chunks) {
        if (!Os.isLinked() && borrowedChunks() + chunks <= BORROWED_CHUNKS_LIMIT) {
            Segment borrowed = Segment.borrow(chunks);
            if (borrowed != null) {
                return borrowed;
            }
        }
        long base = Os.map(Segment.SIZE, Segment.SIZE);
        return base == 0 ? null : new Segment(base);
    }

    private int borrowedChunks() {
        int chunks = 0;
        for (Segment s : segments) {
            chunks += s.isBorrowed() ? (int) (s.ownedBytes() >>> PageMap.CHUNK_SHIFT) : 0;
        }
        return chunks;
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
        budget.release((long) chunks << PageMap.CHUNK_SHIFT);
        segment.pages[page.firstChunk] = null;
        long now = System.nanoTime();
        for (int c = page.firstChunk; c < page.firstChunk + chunks; c++) {
            segment.freedAtNanos[c] = now;
        }
        if (segment.isEmpty()) {
            segment.emptySinceNanos = now;
        }
    }

    /**
     * Returns memory to the OS: dirty chunks free for longer than the purge delay are purged, and so are the
     * oldest beyond an eighth of the chunks in use ({@link #capCutoff}); segments empty for longer than the delay
     * are unmapped. With {@code force}, the delay is ignored. The system calls run outside the lock (a purge of
     * many chunks takes milliseconds, and threads needing pages must not wait for it); chunks being purged are
     * marked so no page takes them meanwhile.
     */
    void purge(boolean force) {
        synchronized (purgeLock) {     // one purge at a time: trim() must see the maintenance thread's finished
            purgeUnderPurgeLock(force);
        }
    }

    private void purgeUnderPurgeLock(boolean force) {
        long now = System.nanoTime();
        long dueBefore = now - purgeDelayNanos;
        largeBlocks.purge(force);
        List<long[]> purges = new ArrayList<>();      // {segment index in 'marked', first chunk, chunk count}
        List<Segment> marked = new ArrayList<>();
        List<Segment> unmapped = new ArrayList<>();
        synchronized (this) {
            dueBefore = Math.max(dueBefore, capCutoff());
            for (int i = segments.size() - 1; i >= 0; i--) {
                Segment s = segments.get(i);
                if (s.isEmpty() && s.purgingMask == 0 && (force || now - s.emptySinceNanos >= purgeDelayNanos)) {
                    s.unmapPages();
                    segments.remove(i);
                    unmapped.add(s);
                    continue;
                }
                int c = 0;
                while (c < Segment.CHUNKS) {
                    if ((s.dirtyMask >>> c & 1) != 0 && (force || s.freedAtNanos[c] <= dueBefore)) {
                        int runStart = c;
                        while (c < Segment.CHUNKS && (s.dirtyMask >>> c & 1) != 0
                                && (force || s.freedAtNanos[c] <= dueBefore)) {
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
            s.giveBack();
        }
        if (!purges.isEmpty()) {
            synchronized (this) {
                for (long[] p : purges) {
                    marked.get((int) p[0]).purgingMask &= ~Segment.runMask((int) p[1], (int) p[2]);
                }
            }
        }
    }

    /**
     * Unmaps every segment, with the pages and blocks in them: the allocator is closing. Its page-map entries go
     * first, so a late free of one of its blocks is refused as a foreign pointer, never a write into unmapped
     * memory.
     */
    void closeAll() {
        synchronized (purgeLock) {
            largeBlocks.closeAll();
            List<Segment> all;
            synchronized (this) {
                all = new ArrayList<>(segments);
                segments.clear();
                searchStart = 0;
                for (Segment s : all) {
                    for (Page p : s.pages) {
                        if (p != null) {
                            p.state = Page.RELEASED;
                            p.heap = Heap.NO_OWNER;
                        }
                    }
                    s.unmapPages();
                }
            }
            for (Segment s : all) {
                s.giveBack();
            }
        }
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

    /**
     * The release time at or before which free dirty chunks are purged now, whatever their age, so that at most
     * an eighth of the chunks in use (at least 16, 1 MiB) stay dirty; {@code Long.MIN_VALUE} when fewer are. A
     * program whose batches empty and refill pages every millisecond reuses its freed chunks before any is
     * as old as the purge delay, so the delay alone let them pile up: rptest kept 4.5-5 MiB of them resident on average
     * for 5 MiB live. The oldest go first: the newest are the likeliest to be taken again.
     */
    private long capCutoff() {
        int used = 0;
        int dirty = 0;
        for (Segment s : segments) {
            used += Long.bitCount(s.usedMask & ~s.foreignMask);
            dirty += Long.bitCount(s.dirtyMask);
        }
        int keep = Math.max(16, used / 8);
        if (dirty <= keep) {
            return Long.MIN_VALUE;
        }
        long[] times = new long[dirty];
        int n = 0;
        for (Segment s : segments) {
            for (long bits = s.dirtyMask; bits != 0; bits &= bits - 1) {
                times[n++] = s.freedAtNanos[Long.numberOfTrailingZeros(bits)];
            }
        }
        java.util.Arrays.sort(times);
        return times[dirty - keep - 1];     // the newest of those beyond the cap
    }

    /** Kinds of {@link #ranges}. */
    static final int CLASS_PAGES = 0;
    static final int EXTENT_PAGES = 1;
    static final int FREE_CHUNKS = 2;

    /**
     * The segments' memory as runs of chunks of one kind ({@link #CLASS_PAGES}, {@link #EXTENT_PAGES},
     * {@link #FREE_CHUNKS}), each {address, bytes, kind}; a borrowed segment's foreign chunks are left out.
     */
    synchronized List<long[]> ranges() {
        List<long[]> ranges = new ArrayList<>();
        for (Segment s : segments) {
            long[] run = null;
            for (int c = 0; c < Segment.CHUNKS; c++) {
                if ((s.foreignMask >>> c & 1) != 0) {
                    run = null;
                    continue;
                }
                long address = s.base + ((long) c << PageMap.CHUNK_SHIFT);
                Page page = (s.usedMask >>> c & 1) == 0 ? null : PageMap.lookup(address);
                int kind = page == null ? FREE_CHUNKS : page.units != null ? EXTENT_PAGES : CLASS_PAGES;
                if (run != null && run[2] == kind && run[0] + run[1] == address) {
                    run[1] += PageMap.CHUNK_SIZE;
                } else {
                    run = new long[] {address, PageMap.CHUNK_SIZE, kind};
                    ranges.add(run);
                }
            }
        }
        return ranges;
    }

    /** Reserved bytes, committed bytes and segment count of the small-block segments. */
    synchronized long[] footprint() {
        long committed = 0;
        long reserved = 0;
        for (Segment s : segments) {
            reserved += s.ownedBytes();
            committed += (long) Long.bitCount(s.usedMask & ~s.foreignMask | s.dirtyMask) << PageMap.CHUNK_SHIFT;
        }
        return new long[] {reserved, committed, segments.size()};
    }
}
