package dev.lgmalloc.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Blocks of 8 KiB and more, as runs of 1 KiB units in 256 KiB extent pages ({@link Units}), each page one heap's.
 * In pages of one class, a class with a few live blocks per thread held about twice its live bytes, for every
 * class and thread: glibc-thread's peak RSS was 2.4 times glibc's. Here a freed block's units serve any size, and
 * blocks are placed first-fit from the page's start, so memory stays packed.
 *
 * <p>A heap's allocation first takes a block of the class it freed before, from its {@link ExtentCache} (no lock;
 * {@link Heap}), then first fit in its pages in address order ({@link Heap#extentPages}, each page under its own
 * lock), and only then, under this object's lock, at pages of ended threads and a fresh page. Address order, not
 * the page used last nor the runs freed last: live blocks gather in the low pages, and the free units of the high
 * ones stay untouched long enough to be purged (glibc-thread's resident extent pages fell from 12.0 to about 9 MiB
 * for the same 6 MiB live, docs/BENCHMARKS.md). Lock order: this, then a page's {@link Units}.
 */
final class Extents {

    /**
     * Empty pages a heap keeps. Pages of 256 KiB with three spares (768 KiB), where they were 1 MiB with one: a heap
     * holds its pages for its highest live extent bytes, rounded up to a page, plus its spares, so rptest's batches
     * (each thread keeps one batch in flight to the other thread while it fills the next) held whole pages of free
     * runs. {@code WhereTheMemoryIs rptest 2 10}, four runs each, most resident: 19.4-20.2 MiB with 1 MiB pages,
     * 16.3-16.5 with these. With one spare of 256 KiB, glibc-thread's random churn emptied and released pages often
     * enough that their chunks piled up between purges (14.2-15.2 MiB against 14.0-14.1); with three, 14.3-14.5.
     */
    static final int SPARE_PAGES = 3;
    /**
     * Empty pages below which a heap takes a page its thread's frees emptied in another heap ({@link #handsTo}). Such
     * a page stays resident where a released one waited for its purge: with twelve, rptest's mean resident memory
     * in process was 12% higher than without the hand-over, with six 5%, each about 5% faster (docs/BENCHMARKS.md,
     * thirty-eighth session).
     */
    static final int HANDED_PAGES = 2 * SPARE_PAGES;

    /** Blocks of this size and more are extents. */
    static final int MIN_BLOCK = 8 * 1024;
    static final int PAGE_CHUNKS = (Units.COUNT << Units.UNIT_SHIFT) >>> PageMap.CHUNK_SHIFT;

    private final Engine engine;
    private final Segments segments;
    private final long purgeDelayNanos;
    private final List<Page> pages = new ArrayList<>();     // guarded by this
    /** Held by a pass from taking pages' idle runs until their purges are done; {@link #closeAll} waits for it. */
    final Object purgeLock = new Object();

    Extents(Engine engine, Segments segments, long purgeDelayNanos) {
        this.engine = engine;
        this.segments = segments;
        this.purgeDelayNanos = purgeDelayNanos;
    }

    /** Whether blocks of {@code blockSize} bytes are extents. */
    static boolean serves(int blockSize) {
        return blockSize >= MIN_BLOCK;
    }

    /** A block for class {@code sizeClass} of {@code blockSize} bytes, for {@code heap}'s thread; 0 when out of memory. */
    long allocate(Heap heap, int sizeClass, int blockSize) {
        return handedOut(take(heap, sizeClass, blockSize));
    }

    /**
     * {@code block}, about to be handed out, with its first word cleared (0 stays 0): what the memory held before,
     * a small page's free list when its chunks served one, must not read as a cached extent's link, since
     * {@link ExtentCache#holds} judges a live block by its first word. Outside the page's lock: it may fault the
     * memory in.
     */
    private static long handedOut(long block) {
        if (block != 0) {
            Memory.putLong(block, 0);
        }
        return block;
    }

    /**
     * Every way to a block for an allocation that the thread's cache missed, in order: first fit in the heap's pages,
     * a page an ended thread left, a fresh page.
     *
     * <p>One method on purpose, of more bytecode than C2 inlines at a hot call site ({@code FreqInlineSize}, 325
     * bytes), as {@link Heap}'s {@code mallocSlow} is. When C2 compiled {@code mallocSlow} before this, it inlined all
     * of this there: glibc-thread's two largest compiles, {@code mallocSlow}'s, took 15 MB of the JIT's arena each,
     * and its process peaked 3.5 MiB higher than when this was compiled first (docs/BENCHMARKS.md, thirty-third
     * session). {@code SlowPathInliningTest} keeps the size above the limit.
     */
    private long take(Heap heap, int sizeClass, int blockSize) {
        int units = Units.unitsFor(blockSize);
        // Not for a stripe: nothing flushes a stripe's cache, which would keep the blocks from their page past a trim
        // (neither those carved ahead nor those of the page's remote list)
        ExtentCache cache = heap.striped ? null : heap.extentCache;
        int wanted = cache == null ? 0 : cache.stockWanted(sizeClass);
        ExtentPages mine = heap.extentPages;
        Page[] own = mine.pages;
        int bin = FreeRuns.binOf(units);
        int shortestOfBin = FreeRuns.shortestIn(bin);
        int lowerings = mine.lowerings();   // before the rooms
        int start = mine.start(bin);
        int unable = start;                 // the pages before it cannot serve this bin
        for (int i = start; i < own.length; i++) {
            int room = mine.room(i);
            if (room >= units) {
                Page page = own[i];
                long block = page.units.allocate(page, units, sizeClass, 1, cache, heap.stockScratch, wanted);
                if (block != 0) {
                    mine.passed(bin, start, unable, lowerings);
                    return block;
                }
            }
            if (unable == i && room < shortestOfBin) {
                unable = i + 1;             // (one that cannot fit this request may fit a shorter one of its bin)
            }
        }
        mine.passed(bin, start, unable, lowerings);
        // A page's room or the start may have been read stale (ExtentPages): look at each page itself before growing
        for (Page page : own) {
            if (page.units.mayHold(page, units)) {
                long block = page.units.allocate(page, units, sizeClass, 1, cache, heap.stockScratch, wanted);
                if (block != 0) {
                    return block;
                }
            }
        }
        // A page an ended thread left, or a fresh page (only the owner adds pages to its heap, so none of its own
        // has appeared since it looked). Pages belong to one heap: when two threads' blocks shared pages, each free
        // and allocation took the bitmaps' cache lines and the lock from the other thread, and glibc-thread's two
        // threads ran 1.6 times slower than with classes while one thread alone ran as fast. Other threads' frees
        // wait in the page's remote list for the owner to take them in under the lock.
        synchronized (this) {
            for (Page page : pages) {
                if (page.heap.extentsHandedBack) {
                    long block = page.units.allocate(page, units, sizeClass);
                    if (block != 0) {
                        page.heap.extentPages = page.heap.extentPages.without(page);
                        adopt(heap, page);
                        return block;
                    }
                }
            }
            Page fresh = freshPage(heap);
            return fresh == null ? 0 : fresh.units.allocate(fresh, units, sizeClass);
        }
    }

    /**
     * A block aligned to {@code alignment} (a power of two up to 64 KiB; pages are aligned to their size) for class
     * {@code sizeClass}: first fit among the heap's pages at aligned units, else a fresh page.
     */
    long allocateAligned(Heap heap, int sizeClass, int blockSize, long alignment) {
        return handedOut(takeAligned(heap, sizeClass, blockSize, alignment));
    }

    private synchronized long takeAligned(Heap heap, int sizeClass, int blockSize, long alignment) {
        int units = Units.unitsFor(blockSize);
        int alignUnits = (int) Math.max(1, alignment >>> Units.UNIT_SHIFT);
        for (Page page : heap.extentPages.pages) {
            long block = page.units.allocateAligned(page, units, sizeClass, alignUnits);
            if (block != 0) {
                return block;
            }
        }
        Page fresh = freshPage(heap);
        return fresh == null ? 0 : fresh.units.allocateAligned(fresh, units, sizeClass, alignUnits);
    }

    /** A new extent page of {@code heap}'s (under the lock), or null when the budget or the OS refuses. */
    private Page freshPage(Heap heap) {
        engine.checkOpen();             // a closed allocator maps nothing more, as Engine.acquirePage refuses too
        Page fresh = segments.acquireExtentPage(PAGE_CHUNKS, this);
        if (fresh != null) {
            pages.add(fresh);
            adopt(heap, fresh);
        }
        return fresh;
    }

    private static void adopt(Heap heap, Page page) {
        page.units.joins(page, heap);
        heap.extentPages = heap.extentPages.with(page);
    }

    /**
     * Frees an extent block into its page, not into any thread's cache (checked by {@link Units#free}): the owner's
     * free beyond its cache, a block leaving a cache, or another thread's free that is no plain one (a double free,
     * an interior pointer, ...). A page it empties goes back to its
     * segment when {@link #SPARE_PAGES} other pages of its heap are empty too, so a thread whose live bytes swing
     * across a page boundary does not release and fault in a page at every swing.
     */
    void free(Page page, long address) {
        if (page.units.free(page, address)) {
            releaseIfSpare(page, null);
        }
    }

    /**
     * Another thread's free of an extent of {@code page}: onto the page's remote list when it is a live block
     * ({@link Units#freeRemotely}), else the locked free, which says what it is. A free that leaves every live block
     * of the page in the list takes the list in at once, so a page it empties goes back as the locked free's would:
     * left in the list until the owner's next miss or the maintenance pass, such pages held rptest's most resident
     * memory 1.2-2 MiB higher, the other thread mapping fresh memory meanwhile (docs/BENCHMARKS.md,
     * twenty-eighth session). Only for a heap with more pages than its spares, as the locked free releases.
     */
    void freeFromAnotherThread(Page page, long address) {
        int pending = page.units.freeRemotely(page, address);
        if (pending < 0) {
            free(page, address);
        } else {
            takeRemoteFreesIfEmptied(page, pending, null);
        }
    }

    /**
     * Another thread's chain of {@code count} extents of {@code page}, of {@code units} units each, checked and
     * linked as {@link Units#freeRemotely} checks and links one ({@link DeferredFrees#addExtent}): onto the page's
     * remote list with one CAS, taken in at once when that leaves no live block outside the list, as
     * {@link #freeFromAnotherThread}'s is.
     */
    void pushFromAnotherThread(Page page, long head, long tail, int count, int units, Heap freer) {
        takeRemoteFreesIfEmptied(page, page.units.pushRemotely(page, head, tail, count, units), freer);
    }

    /**
     * Takes the page's remote list in when a push that left {@code pending} blocks in it may have emptied a page to
     * release; a page it empties may go to {@code freer} ({@link #releaseIfSpare}).
     */
    private void takeRemoteFreesIfEmptied(Page page, int pending, Heap freer) {
        if (pending >= page.units.liveBlocksRacy() && page.heap.extentPages.size() > SPARE_PAGES) {
            takeRemoteFrees(page, freer);
        }
    }

    /**
     * Takes in the blocks other threads freed into {@code page} ({@link Units#freeRemotely}), for the maintenance
     * pass: a page they emptied goes back as a free that empties it would.
     */
    void takeRemoteFrees(Page page) {
        takeRemoteFrees(page, null);
    }

    private void takeRemoteFrees(Page page, Heap freer) {
        if (page.units.takeRemoteFreesEmptied(page)) {
            releaseIfSpare(page, freer);
        }
    }

    /** Reports a freed block the program wrote into, found in a page's remote list. */
    void discardWrittenBlock(long block) {
        engine.discardWrittenBlock(block);
    }

    /**
     * Releases {@code page}, which a free just emptied, when its heap has {@link #SPARE_PAGES} other empty pages.
     * The count is read without a lock first, so a free that leaves no more spares than that takes no lock at all.
     * A page another thread's chain of frees emptied goes to that thread's heap instead, when it may use it
     * ({@link #handsTo}).
     */
    private void releaseIfSpare(Page page, Heap freer) {
        if (page.heap.emptyExtentPages.get() > SPARE_PAGES) {
            synchronized (this) {
                if (page.heap.emptyExtentPages.get() > SPARE_PAGES && !handsTo(page, freer)) {
                    release(page);
                }
            }
        }
    }

    /**
     * Gives {@code page}, empty and past its heap's spares, to {@code freer}, the heap of the thread whose frees
     * emptied it, when that thread allocates extents itself (it has pages of its own) and has fewer than
     * {@link #HANDED_PAGES} empty ones; under this object's lock. rptest's threads free each other's batches: the
     * pages one thread's batch filled were released to the segments as the other freed it, purged past the cap on
     * dirty chunks, and mapped and faulted in again for the next batch, about 32,000 pages a two-thread run. Given
     * to the freeing thread, they serve its next batch instead, and their memory is what it has just read. Only the
     * freeing thread itself adds to its heap ("only the owner adds pages to its heap", {@link #take}); stripes and
     * carriers' heaps take no part, since their pages are used by whichever virtual thread holds them.
     */
    private boolean handsTo(Page page, Heap freer) {
        Heap owner = page.heap;
        if (freer == null || freer == owner || freer.owner != Thread.currentThread() || freer.striped
                || freer.ofCarrier || owner.striped || owner.ofCarrier || freer.extentPages.size() == 0
                || freer.emptyExtentPages.get() >= HANDED_PAGES || !page.units.movesTo(page, freer)) {
            return false;
        }
        owner.extentPages = owner.extentPages.without(page);
        freer.extentPages = freer.extentPages.with(page);
        return true;
    }

    private void release(Page page) {
        if (page.units.releaseIfEmpty(page)) {
            pages.remove(page);
            page.heap.extentPages = page.heap.extentPages.without(page);
            segments.release(page);
        }
    }

    /**
     * Returns free memory to the OS: runs of units free for the purge delay are purged ({@code madvise}) outside
     * the locks; with {@code force} (trim), every free unit at once, and empty pages go back to their segments.
     */
    void maintain(boolean force) {
        synchronized (purgeLock) {
            List<Page> snapshot;
            synchronized (this) {
                if (force) {
                    for (Page page : new ArrayList<>(pages)) {
                        release(page);
                    }
                }
                snapshot = new ArrayList<>(pages);
            }
            long now = System.nanoTime();
            for (Page page : snapshot) {
                takeRemoteFrees(page);
                int[] runs = page.units.takeIdleRuns(page, now, purgeDelayNanos, force);
                if (runs != null) {
                    try {
                        for (int i = 0; i < runs.length; i += 2) {
                            Os.purge(page.start + ((long) runs[i] << Units.UNIT_SHIFT),
                                    (long) runs[i + 1] << Units.UNIT_SHIFT);
                        }
                    } finally {
                        page.units.purged(page, runs);
                    }
                }
            }
        }
    }

    /**
     * Marks every page released: the allocator is closing, and its segments go with their pages. After a pass's
     * purges, not during them: a purge's {@code madvise} after the segments are unmapped could drop the memory of
     * whatever was mapped there next.
     */
    void closeAll() {
        synchronized (purgeLock) {
            synchronized (this) {
                for (Page page : pages) {
                    page.units.markReleased(page);
                }
                pages.clear();
            }
        }
    }

    /** Adds the live extent blocks per class to {@code live}; returns {blocks, bytes, pages}. */
    synchronized long[] countLive(long[] live) {
        long[] totals = new long[3];
        for (Page page : pages) {
            page.units.countLive(page, live, totals);
        }
        totals[2] = pages.size();
        return totals;
    }
}
