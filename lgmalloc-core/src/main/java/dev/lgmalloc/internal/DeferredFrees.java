package dev.lgmalloc.internal;

import dev.lgmalloc.SizeClasses;

/**
 * This thread's frees of other threads' blocks, gathered per page so that one CAS hands many over: a chain per
 * page, linked through the blocks as a free list. A block in a chain still counts in its page's {@code used}, so
 * its page is never released under it; its first word holds a link, so a second free of it, by any thread, is a
 * double free.
 *
 * <p>The chain being added to sits in fields, and everything else happens when the page changes or a chain is
 * handed over, so a run of frees into one page costs what a single chain did (xmalloc-test ran 6-8% slower while
 * each free also counted bytes and frees). When the page changes, the chain is parked in a small table, at a slot
 * its page's address picks, and the new page's chain comes out of the table if it is there: a program that frees
 * messages of several blocks of several classes (the demo's header, envelope and payload, each from its own page)
 * grows all their chains side by side, where a single chain handed over at every change of page cost one CAS per
 * block, on a line the page's owner reads as it allocates.
 *
 * <p>A chain goes to its page when it is {@link #LIMIT} long or holds {@link #CHAIN_BYTES}, when parking it would
 * take the parked chains past {@link #PARKED_BYTES}, when another page needs its slot, when it was not added to for
 * {@link #IDLE_ADDS} frees (looked at whenever a chain reaches its limit), and on the thread's next slow path, trim
 * or end; and a chain is not parked at all when the page changes after {@link #RUN} frees in a row into it. Those
 * last two rules are for frees in page order (xmalloc-test's consumers, each batch a run of one page and then of
 * the next): a page left behind gets no more frees, and its owner waited for the parked rest of it while mapping
 * fresh pages (xmalloc-test ran 1.4 times slower with neither rule).
 *
 * <p>Blocks of every class page are gathered, up to 8 KiB: a third of the demo's payloads are above 1 KiB, and were
 * pushed one by one; the byte bounds keep what an idle thread holds back where it was with 1 KiB blocks at most.
 *
 * <p>Extents up to {@link #MAX_EXTENT} are gathered too ({@link #addExtent}), in a chain of their own: one page's,
 * handed over at {@link #CHAIN_BYTES} or when an extent of another page comes, never parked. A consumer of buffers
 * of one size frees them in their page's order, and a thread that frees another thread's batch of many sizes
 * (rptest) frees its extents in page order among its small blocks, which have their chains; an extent page holds
 * blocks of many classes, so the chain notes each block's class for the statistics.
 *
 * <p>Owner only (or whoever abandons the heap once its thread ended); statistics read it racily.
 */
final class DeferredFrees {

    /** Parked chains at most, a power of two: pages of consecutive chunks take consecutive slots. */
    static final int SLOTS = 16;
    /** The longest chain: a page's owner takes a chain in at once, and walks it when it has a list of its own. */
    static final int LIMIT = 64;
    /** The most bytes of one chain: a chain of bigger blocks goes after fewer than {@link #LIMIT} of them. */
    static final int CHAIN_BYTES = 64 * 1024;
    /**
     * What the parked chains hold back from their pages at most. With the chain being added to, an idle thread
     * keeps 128 KiB at most.
     */
    static final int PARKED_BYTES = 64 * 1024;
    /** Frees after which a parked chain that none of them added to goes to its page. */
    static final int IDLE_ADDS = 4 * SLOTS;
    /**
     * Frees in a row into one page after which a change of page hands the chain over instead of parking it: frees
     * in page order have left that page behind, while interleaved ones change page after one or two frees.
     */
    static final int RUN = 8;
    /** The biggest extent gathered: a chain of bigger ones would hold one block. */
    static final int MAX_EXTENT = CHAIN_BYTES / 2;
    /** The most extents in a chain: they are 8 KiB or more. */
    private static final int MAX_EXTENTS = CHAIN_BYTES / Extents.MIN_BLOCK;

    /** The heap these chains are its thread's frees of: a page they empty may go to it ({@link Extents}). */
    private final Heap heap;

    /** The chain being added to: its page (null: none), its ends and its length. */
    private Page page;
    private long head;
    private long tail;
    private int count;
    /** The length at which the current chain goes: {@link #LIMIT}, or fewer blocks of {@link #CHAIN_BYTES}. */
    private int limit;
    /** {@link #count} when its page became the current one: the frees in a row since are the difference. */
    private int countAtSwitch;

    private final Page[] parkedPages = new Page[SLOTS];
    private final long[] parkedHeads = new long[SLOTS];
    private final long[] parkedTails = new long[SLOTS];
    private final int[] parkedCounts = new int[SLOTS];
    /** The value of {@link #clock} when each parked chain was last added to. */
    private final int[] parkedAt = new int[SLOTS];
    /** Frees added, wrapping, brought up to date when the page changes or a chain reaches the limit. */
    private int clock;
    /** Bytes in the parked chains. */
    private int parkedBytes;

    /** The chain of extents: its page (null: none), ends, length, bytes, longest block in units, and its classes. */
    private Page extentPage;
    private long extentHead;
    private long extentTail;
    private int extentCount;
    private int extentBytes;
    private int extentUnits;
    private final int[] extentClasses = new int[MAX_EXTENTS];

    DeferredFrees(Heap heap) {
        this.heap = heap;
    }

    /** Adds the block at {@code address}, checked as a live block of another heap's small-block {@code p}. */
    void add(Page p, long address) {
        if (p != page) {
            switchTo(p, address);
        }
        Memory.putLong(address, Page.encode(head, address));
        head = address;
        if (++count >= limit) {
            clock += count - countAtSwitch;
            handOverCurrent();
            if (parkedBytes != 0) {
                handOverIdle();         // here, not on every free: a free in a run of one page stays as cheap
            }
        }
    }

    /**
     * Adds the extent at {@code address} of another heap's extent page {@code p}, checked as a live block of class
     * {@code sizeClass}, {@code units} units long ({@link #MAX_EXTENT} at most).
     */
    void addExtent(Page p, int sizeClass, int units, long address) {
        int bytes = units << Units.UNIT_SHIFT;
        if (p != extentPage || extentBytes + bytes > CHAIN_BYTES) {
            handOverExtents();
            extentPage = p;
            extentHead = 0;
            extentTail = address;
        }
        Memory.putLong(address, Page.encode(extentHead, address));
        extentHead = address;
        extentClasses[extentCount++] = sizeClass;
        extentBytes += bytes;
        extentUnits = Math.max(extentUnits, units);
        if (extentBytes + Extents.MIN_BLOCK > CHAIN_BYTES) {
            handOverExtents();          // full: no extent fits beside
        }
    }

    private void handOverExtents() {
        Page p = extentPage;
        if (p != null) {
            int count = extentCount;
            int units = extentUnits;
            extentPage = null;          // first: statistics must not count the blocks once the page has them
            extentCount = 0;
            extentBytes = 0;
            extentUnits = 0;
            p.units.extents.pushFromAnotherThread(p, extentHead, extentTail, count, units, heap);
        }
    }

    /**
     * Parks the current chain (or hands it over after a run of frees into its page) and makes {@code p}'s the
     * current one, taken out of its slot or new.
     */
    private void switchTo(Page p, long address) {
        if (page != null) {
            int run = count - countAtSwitch;
            clock += run;
            if (run >= RUN) {
                handOverCurrent();
            } else {
                park();
            }
        }
        int slot = slotOf(p);
        if (parkedPages[slot] == p) {
            head = parkedHeads[slot];
            tail = parkedTails[slot];
            count = parkedCounts[slot];
            parkedPages[slot] = null;
            parkedBytes -= count * p.blockSize;
        } else {
            head = 0;
            tail = address;
            count = 0;
        }
        countAtSwitch = count;
        limit = Math.min(LIMIT, CHAIN_BYTES / p.blockSize);   // blocks of class pages are below 8 KiB
        page = p;
    }

    /** Moves the current chain to its slot, handing over what was there; hands it over instead past the bound. */
    private void park() {
        int slot = slotOf(page);
        handOverParked(slot);
        int bytes = count * page.blockSize;
        if (parkedBytes + bytes > PARKED_BYTES) {
            handOverCurrent();
            return;
        }
        parkedPages[slot] = page;
        parkedHeads[slot] = head;
        parkedTails[slot] = tail;
        parkedCounts[slot] = count;
        parkedAt[slot] = clock;
        parkedBytes += bytes;
        page = null;
    }

    private static int slotOf(Page p) {
        return (int) (p.start >>> PageMap.CHUNK_SHIFT) & (SLOTS - 1);
    }

    /** Hands over the parked chains that no free added to for {@link #IDLE_ADDS} frees. */
    private void handOverIdle() {
        for (int slot = 0; slot < SLOTS; slot++) {
            if (parkedPages[slot] != null && clock - parkedAt[slot] > IDLE_ADDS) {
                handOverParked(slot);
            }
        }
    }

    /** Hands every chain to its page. */
    void flush() {
        handOverExtents();
        handOverCurrent();
        if (parkedBytes != 0) {
            for (int slot = 0; slot < SLOTS; slot++) {
                handOverParked(slot);
            }
        }
    }

    private void handOverCurrent() {
        Page p = page;
        if (p != null) {
            page = null;                // first: statistics must not count the blocks once the page has them
            Heap.pushRemote(p, head, tail, count);
            count = 0;
        }
    }

    private void handOverParked(int slot) {
        Page p = parkedPages[slot];
        if (p != null) {
            parkedPages[slot] = null;
            int n = parkedCounts[slot];
            parkedBytes -= n * p.blockSize;
            Heap.pushRemote(p, parkedHeads[slot], parkedTails[slot], n);
        }
    }

    /**
     * Takes the gathered extents off the statistics' live counts, as {@link ExtentCache#uncount} takes the cached
     * ones (racy outside the owner: for statistics only).
     */
    void uncountExtents(long[] live, long[] totals, SizeClasses classes) {
        int n = extentPage == null ? 0 : Math.min(extentCount, MAX_EXTENTS);
        for (int i = 0; i < n; i++) {
            int sizeClass = extentClasses[i];
            if (sizeClass >= 0 && sizeClass < classes.count()) {
                ExtentCache.uncount(live, totals, sizeClass, 1,
                        (long) Units.unitsFor(classes.blockSize(sizeClass)) << Units.UNIT_SHIFT);
            }
        }
    }

    /** Receives a page and how many of its blocks a chain holds. */
    interface ChainVisitor {
        void visit(Page page, int count);
    }

    /** Calls {@code visitor} with each chain (racy outside the owner: for statistics only). */
    void forEachChain(ChainVisitor visitor) {
        Page p = page;
        int n = count;
        if (p != null && n > 0) {
            visitor.visit(p, n);
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            p = parkedPages[slot];
            n = parkedCounts[slot];
            if (p != null && n > 0) {
                visitor.visit(p, n);
            }
        }
    }
}
