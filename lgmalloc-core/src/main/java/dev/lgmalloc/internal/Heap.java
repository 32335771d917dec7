package dev.lgmalloc.internal;

import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread's pages (or one stripe's, shared by virtual threads one at a time). Only the owner allocates from
 * a heap and frees into it without atomics; everyone else frees with one CAS on the block's page.
 *
 * <p>Per size class a heap has a current page, a list of other pages that may have room, and a list of full
 * pages. A full page that gets a remote free raises the class's hint so the owner looks at its full pages again.
 *
 * <p>The lists are guarded by a small lock the owner takes on its slow path only (never on the fast paths of
 * {@link #malloc} and a local free). The maintenance thread takes it with a try-lock to release pages whose
 * blocks were all freed by other threads while the owner lives but does not allocate ({@link #reclaim}): without
 * that, memory freed by other threads stayed resident until the owner thread ended. While the owner is blocked
 * outside the allocator, it also hands the pages of classes the owner stopped using, current ones included, to
 * the orphans ({@link #handOffPages}), after a handshake that proves no fast path of the owner is under way.
 */
public final class Heap extends HeapLayout.Pad {

    /** The owner of pages nobody allocates from: large blocks, released, orphaned and quarantined pages. */
    static final Heap NO_OWNER = new Heap();
    /** How long a virtual thread waiting for a heap's lists parks between tries ({@link #lockLists}). */
    private static final long BACK_OFF_NANOS = 20_000;

    private static final VarHandle HINTS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle LIST_LOCK;
    private static final VarHandle CARRIER_BUSY;

    static {
        try {
            LIST_LOCK = MethodHandles.lookup().findVarHandle(Heap.class, "listLock", int.class);
            CARRIER_BUSY = MethodHandles.lookup().findVarHandle(Heap.class, "carrierBusy", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Whether free checks pointers (page, block boundary, double free). Always on for users; the system
     * property exists only so {@code SafetyCheckBenchmark} can measure what the checks cost.
     */
    static final boolean CHECKS = !Boolean.getBoolean("lgmalloc.benchmark.disableChecks");


    private final Page exhausted;
    final Page[] current;
    final Page[] available;
    final Page[] fullPages;
    /**
     * An empty page per class, kept for the class's next page instead of going back to its segment (under the
     * lists). A thread whose batches fill and empty a page of a class again and again, as rptest's do with its
     * 1-8 KiB classes, took a fresh page from the segments (their lock, the page map, a new {@code Page}) and gave it
     * back once per batch and class: 377,000 times in a two-thread run. Released by the maintenance pass once the
     * class goes a pass without a slow path, as an idle class's other empty pages are; at most one page a class.
     */
    private final Page[] sparePages;
    private final byte[] hints;
    /** Slow-path entries per class (owner writes, the maintenance thread reads racily): is the class in use? */
    private final int[] slowPaths;
    /** {@link #slowPaths} as the maintenance thread saw it at its previous pass. */
    private final int[] slowPathsSeen;
    /** The classes the last timed pass found without a slow-path entry since the one before (under the lists). */
    private final boolean[] idle;
    /** Held by the virtual thread using a stripe heap; unused by thread heaps. */
    final StripeLock stripeLock = new StripeLock();
    /** Times a virtual thread took this stripe (its holders write it), and that count at the last pass. */
    int stripeUses;
    int stripeUsesSeen;
    /** True while a virtual thread works in this carrier heap (see {@link #enterAsCarrier}). */
    @SuppressWarnings("unused") // through CARRIER_BUSY
    private boolean carrierBusy;
    /** True while a trim holds this carrier heap ({@link #holdAsCarrier}). */
    private volatile boolean carrierHeld;
    /** Times virtual threads entered this carrier heap, that count at the last pass, and at the last idle hold. */
    private int carrierEntries;
    private int carrierEntriesSeen;
    private int carrierEntriesAtHold;
    @SuppressWarnings("unused") // through LIST_LOCK
    private volatile int listLock;
    /**
     * A zeroed block that an arena closed on this thread left behind, for the thread's next arena: an arena per
     * native call then costs no malloc and no free. Owner only, or for a carrier's heap the virtual thread inside it
     * (statistics read it racily); freed when the heap is abandoned, or by a pass holding a carrier's heap. Not the
     * program's block, so statistics do not count it as live.
     */
    long arenaChunk;
    /** Allocations served by a routed call site's fast path (owner only; read racily by statistics). */
    long predictedHits;
    /** This thread's frees of other threads' blocks, gathered per page so that one CAS hands many over. */
    final DeferredFrees deferredFrees = new DeferredFrees(this);
    /** Blocks of other heaps' pages this thread freed, kept for its next allocations (owner only). */
    final RemoteFreeCache remoteFrees;
    /**
     * This heap's extent pages, lowest address first (copy on write under its engine's {@link Extents} lock; the
     * owner reads it without the lock). Allocation takes the first page that fits, so live blocks gather in the
     * low pages and the free units of the high ones stay untouched long enough to be purged.
     */
    volatile ExtentPages extentPages = ExtentPages.NONE;
    /** Extent blocks this thread freed and keeps for its next allocations of their classes (owner only). */
    final ExtentCache extentCache;
    /** Where {@link Units#allocate} gathers the blocks it stocks into {@link #extentCache} (owner only). */
    final long[] stockScratch = new long[ExtentCache.MAX_PER_CLASS + 1];
    /**
     * Set once the ended owner's cached extent blocks are back in their pages: only then may another heap take
     * its extent pages over, since a cached block counts as live in its page and only its cache may free it.
     */
    volatile boolean extentsHandedBack;
    /**
     * How many of this heap's extent pages hold no block: each page's {@link Units} counts itself in or out under its
     * own lock as it empties, fills, leaves or joins the heap, so a free that empties a page knows at once whether
     * the heap keeps more than {@link Extents#SPARE_PAGES} of them. It used to count them by taking every page's lock,
     * and the allocator-wide one, each time a page emptied.
     */
    final AtomicInteger emptyExtentPages = new AtomicInteger();
    final AtomicBoolean abandoned = new AtomicBoolean();

    Heap(Engine engine, int id, Thread owner, boolean striped) {
        this(engine, id, owner, striped, false);
    }

    Heap(Engine engine, int id, Thread owner, boolean striped, boolean ofCarrier) {
        super(engine, id, owner, striped, ofCarrier);
        int classes = engine.classes.count();
        this.exhausted = Page.exhausted();
        this.current = new Page[classes];
        this.available = new Page[classes];
        this.fullPages = new Page[classes];
        this.sparePages = new Page[classes];
        this.hints = new byte[classes];
        this.slowPaths = new int[classes];
        this.slowPathsSeen = new int[classes];
        this.idle = new boolean[classes];
        this.extentCache = new ExtentCache(this, engine.classes);
        this.remoteFrees = new RemoteFreeCache(engine, engine.classes);
        java.util.Arrays.fill(current, exhausted);
    }

    private Heap() {
        super(null, -1, null, false, false);
        this.exhausted = null;
        this.current = new Page[0];
        this.available = new Page[0];
        this.fullPages = new Page[0];
        this.sparePages = new Page[0];
        this.hints = new byte[0];
        this.slowPaths = new int[0];
        this.slowPathsSeen = new int[0];
        this.idle = new boolean[0];
        this.extentCache = null;
        this.remoteFrees = null;
        this.abandoned.set(true);
        this.extentsHandedBack = true;
    }

    // ---------------------------------------------------------------- allocation

    /**
     * A block of class {@code sizeClass} aligned to {@code alignment}, which the class's blocks are not all: an
     * extent placed at an aligned unit (small classes the caller picked to be aligned already take malloc).
     */
    public long mallocAligned(int sizeClass, long alignment) {
        if (alignment > SizeClasses.GRANULE) {      // before the class's size: malloc's own alignment skips its loads
            int blockSize = engine.classes.blockSize(sizeClass);
            if (Extents.serves(blockSize)) {
                return engine.extents.allocateAligned(this, sizeClass, blockSize, alignment);
            }
        }
        return malloc(sizeClass);
    }

    /** {@link #malloc} for a routed call site: counted, so statistics show that routing happens. */
    public long mallocPredicted(int sizeClass) {
        predictedHits++;
        return malloc(sizeClass);
    }

    /** The thread's spare arena chunk (zeroed), now the caller's; 0 when there is none. Owner only (or entrant). */
    public long takeArenaChunk() {
        long chunk = arenaChunk;
        arenaChunk = 0;
        return chunk;
    }

    /**
     * Frees the spare arena chunk, by whoever acts as this heap's owner without being its thread: the reaper, or a
     * pass holding a carrier's heap. A remote free pushed at once: the caller may be in the middle of making its
     * own heap, and must not gather the block in one.
     */
    void freeArenaChunk() {
        long spare = arenaChunk;
        arenaChunk = 0;
        if (spare != 0) {
            freeShared(PageMap.lookup(spare), spare);
        }
    }

    /** Keeps a zeroed arena chunk as the thread's spare; false when it already has one. Owner only (or entrant). */
    public boolean keepArenaChunk(long chunk) {
        if (arenaChunk != 0) {
            return false;
        }
        arenaChunk = chunk;
        return true;
    }

    /** A block of class {@code sizeClass}, or 0 when the OS has no memory left. Owner only. */
    public long malloc(int sizeClass) {
        Page page = current[sizeClass];
        long block = page.free;
        if (block != 0) {
            // Page.decode, Memory.getLong and putLong written out: C2 does not inline a call on a branch that its
            // profile of this method calls rare, and a profile taken while pages were fresh (every block bumped in
            // mallocSlow, as in a program filling its tables) made each malloc call all three for the JVM's life.
            // The VarHandle's own code is inlined whatever the profile says (@ForceInline).
            long next = (long) Memory.WORD.get(Memory.ALL, block) ^ block ^ Page.FREED_KEY;
            if (((next ^ block) & page.linkMask) == 0 || next == 0) {
                page.free = next;
                Memory.WORD.set(Memory.ALL, block, 0L);   // a live block's first word must not decode to a link
                page.used++;
                return block;
            }
        }
        return mallocSlow(sizeClass);       // no free block, or a corrupted link: the slow path sorts it out
    }

    /** What {@link #takeFrom} returns for a page whose next free block links outside the page. */
    private static final long CORRUPTED = -1;

    /**
     * Every way to a block after the current page's free list, in order: blocks this thread kept, the current page's
     * remote frees and untouched tail, then, under the list lock, another page.
     *
     * <p>The first part needs no lock: only the owner changes which page is current (but for a hand-over, which
     * proves first that the owner is outside this class's code). In producer/consumer workloads it runs on nearly
     * every malloc, so it stays free of the list lock (taking it there halved the producer's rate in
     * {@code ProducerConsumerBenchmark}).
     *
     * <p>One method on purpose, of more bytecode than C2 inlines at a hot call site ({@code FreqInlineSize}, 325
     * bytes). A young program takes this path on every block of a fresh page, so C2 saw it as hot, compiled it into
     * malloc, and malloc's machine code outgrew {@code InlineSmallCode} (2,500 bytes): every caller compiled after it
     * then called malloc instead of inlining it. {@code SlowPathInliningTest} keeps the size above the limit.
     */
    private long mallocSlow(int sizeClass) {
        slowPaths[sizeClass]++;           // the class is in use: reclaim leaves its pages to this thread
        deferredFrees.flush();            // this thread's own remote frees must not wait on its allocations
        long kept = remoteFrees.poll(sizeClass);    // before untouched memory: blocks this thread freed, still hot
        if (kept != 0) {
            return kept;
        }
        int blockSize = engine.classes.blockSize(sizeClass);
        if (Extents.serves(blockSize)) {
            // The current page is the list of cached extents (ExtentCache) or none: empty, or the pop refused it.
            extentCache.dropCorrupted(sizeClass);
            long larger = extentCache.takeLarger(sizeClass);   // a class just above, before any page's lock
            return larger != 0 ? larger : engine.extents.allocate(this, sizeClass, blockSize);
        }
        Page page = current[sizeClass];
        if (page != exhausted) {
            if (page.free == 0) {
                collect(page);        // into an empty free list it cannot fail: links are checked as popped
            }
            long block = takeFrom(page);
            if (block > 0) {
                return block;
            }
        }
        // Another page, or a corrupted current one, under the list lock.
        lockLists();
        try {
            while (true) {
                page = current[sizeClass];
                if (page != exhausted) {
                    if (page.free == 0) {
                        collect(page);
                    }
                    long block = takeFrom(page);
                    if (block == CORRUPTED) {
                        quarantine(page, "a block in its free list links outside the page");
                        current[sizeClass] = exhausted;
                        continue;
                    }
                    if (block != 0) {
                        return block;
                    }
                    if (!retireFull(page)) {
                        continue;                       // a remote free arrived meanwhile
                    }
                    current[sizeClass] = exhausted;
                }
                Page next = available[sizeClass];
                if (next != null) {
                    unlink(available, next);
                    current[sizeClass] = next;
                    continue;
                }
                if ((byte) HINTS.getVolatile(hints, sizeClass) != 0 && rescueFullPages(sizeClass)) {
                    continue;
                }
                Page spare = sparePages[sizeClass];       // after the pages in use: live blocks stay packed
                if (spare != null) {
                    sparePages[sizeClass] = null;
                    current[sizeClass] = spare;
                    continue;
                }
                Page fresh = engine.acquirePage(this, sizeClass);
                if (fresh == null) {
                    return 0;
                }
                current[sizeClass] = fresh;
            }
        } finally {
            unlockLists();
        }
    }

    /**
     * A block from {@code page} (owner only): the head of its free list, else the next untouched block; 0 when the
     * page has neither, {@link #CORRUPTED} when the free list's head links outside the page.
     */
    private static long takeFrom(Page page) {
        long block = page.free;
        if (block != 0) {
            long next = Page.decode(Memory.getLong(block), block);
            if (next != 0 && !page.linksInside(next)) {
                return CORRUPTED;
            }
            page.free = next;
        } else if (page.bump + page.blockSize <= page.end) {
            block = page.bump;
            page.bump = linkUntouched(page, block + page.blockSize, (block | (Os.PAGE_SIZE - 1)) + 1);
        } else {
            return 0;
        }
        Memory.putLong(block, 0);   // a live block's first word must not decode to a link
        page.used++;
        return block;
    }

    /**
     * Links the untouched blocks of {@code page} that start from {@code from} and before {@code limit} (the end of
     * the OS page the block just bumped lies in) into its empty free list, in address order, and returns the new
     * bump. A program whose pages are fresh (filling its tables, growing) then takes malloc's pop for the rest of
     * that OS page instead of this slow path per block, as mimalloc extends a page's free list by up to 4 KiB; no
     * OS page is touched that the bumped block did not touch already.
     */
    private static long linkUntouched(Page page, long from, long limit) {
        int blockSize = page.blockSize;
        long stop = Math.min(limit, page.end - blockSize + 1);    // every linked block starts before it
        if (from >= stop) {
            return from;
        }
        long last = from;
        for (; last + blockSize < stop; last += blockSize) {
            Memory.putLong(last, Page.encode(last + blockSize, last));
        }
        Memory.putLong(last, Page.encode(0, last));
        page.free = from;
        return last + blockSize;
    }

    /**
     * Moves the blocks other threads freed into {@code page}'s {@code free} list. Returns how many came in, or -1
     * when the list is corrupted (a link leaves the page: a write into a freed block, or a double free racing
     * with another free); the page must then be quarantined. Run by whoever holds the page.
     */
    static int collect(Page page) {
        if (page.threadFree == 0) {
            return 0;
        }
        long word = page.takeThreadFree();
        long head = word & Page.ADDRESS_MASK;
        int count = (int) (word >>> Page.COUNT_SHIFT);
        if (page.free != 0) {
            // Append the owner's list behind the remote one: walk to the remote list's tail.
            long tail = head;
            for (int i = 1; i < count; i++) {
                long next = Page.decode(Memory.getLong(tail), tail);
                if (!page.linksInside(next)) {
                    return -1;
                }
                tail = next;
            }
            Memory.putLong(tail, Page.encode(page.free, tail));
        }
        // Otherwise the remote list becomes the free list as it is; each link is checked when popped.
        page.free = head;
        page.setUsed(page.used - count);
        return count;
    }

    private void quarantine(Page page, String where) {
        engine.quarantine(page, where);
    }

    /** Marks the exhausted current page full; false if a remote free raced in, so the page is usable again. */
    private boolean retireFull(Page page) {
        page.full = true;                 // volatile write, then volatile read: pairs with pushRemote
        if (page.threadFree != 0) {
            page.full = false;
            return false;
        }
        page.inFullList = true;
        link(fullPages, page);
        return true;
    }

    /** Collects remote frees of full pages after a hint; true if some page has room again. */
    private boolean rescueFullPages(int sizeClass) {
        HINTS.setVolatile(hints, sizeClass, (byte) 0);
        boolean rescued = false;
        Page page = fullPages[sizeClass];
        while (page != null) {
            Page next = page.next;
            if (page.threadFree != 0) {
                unlink(fullPages, page);
                page.inFullList = false;
                page.full = false;
                if (collect(page) < 0) {
                    quarantine(page, "its list of blocks freed by other threads");
                } else if (page.used == 0) {
                    engine.segments.release(page);
                } else {
                    link(available, page);
                    rescued = true;
                }
            }
            page = next;
        }
        return rescued;
    }

    // ---------------------------------------------------------------- free

    /** Frees {@code address} from any thread; checks it is a live block first. */
    public static void free(long address) {
        Page page = PageMap.lookup(address);
        if (page == null) {
            throw new InvalidFreeException(address, "not allocated by lgmalloc (a foreign pointer, or a large block "
                    + "that was already freed)");
        }
        free(page, address);
    }

    /**
     * Frees {@code address} when it lies in memory lgmalloc manages (see {@link #owns}) and returns true; returns
     * false and does nothing otherwise. One page-map lookup for code that frees pointers of mixed origin.
     */
    public static boolean freeIfOwned(long address) {
        Page page = PageMap.lookup(address);
        if (page == null) {
            return false;
        }
        free(page, address);
        return true;
    }

    private static void free(Page page, long address) {
        Heap heap = page.heap;
        Thread t = Thread.currentThread();
        if (heap.owner == t) {
            heap.freeLocal(page, address);
        } else {
            freeRemote(heap, page, address, t);
        }
    }

    /**
     * A free from another thread than the page's owner. A platform thread that allocates the block's class
     * itself keeps the block for its next allocations ({@link RemoteFreeCache#keeps}); one that does not, a
     * consumer that only frees, gathers it page by page in chains ({@link DeferredFrees}), each handed over with
     * one CAS, which costs such a thread less per block. Anyone else pushes the block at once. Both live in the
     * thread's heap of the page's own engine, so closing an engine never leaves blocks of unmapped memory behind in
     * another engine's heap.
     */
    private static void freeRemote(Heap owner, Page page, long address, Thread t) {
        // The heap's kind first: two flags on the line the caller read, where isVirtual loads the thread's class.
        if ((owner.ofCarrier || owner.striped) && t.isVirtual()
                && (owner.ofCarrier ? owner.freeAsCarrier(page, address) : owner.freeAsStripe(page, address))) {
            return;
        }
        Engine engine = owner.engine;
        if (page.units != null && engine != null && !t.isVirtual()) {
            gatherExtent(engine, page, address, t);
            return;
        }
        if (engine == null || page.units != null || page.isLarge() || t.isVirtual()) {
            // Whose heap should take an orphan (Engine.acquirePage); stored only when it changes, since this
            // cache line also holds the page's full flag, which every remote free reads.
            if (page.state == Page.ORPHANED && page.lastFreer != t.threadId()) {
                page.lastFreer = t.threadId();
            }
            freeShared(page, address);    // orphaned, quarantined, an extent or large block; or a virtual thread
            return;
        }
        checkRemoteFree(page, address);
        Heap mine = engine.freeingHeapOf(t);
        if (mine == null) {
            pushRemote(page, address, address, 1);            // the engine closed meanwhile
        } else if (mine.remoteFrees.keeps(page.sizeClass) && !allocatesNow(owner)) {
            mine.remoteFrees.offer(page, address);            // this thread allocates the class: reuse the block
        } else {
            mine.deferredFrees.add(page, address);
        }
    }

    /**
     * A platform thread's free of another heap's extent: gathered in the freeing thread's chains when it is a live
     * block's start no list holds, of {@link DeferredFrees#MAX_EXTENT} at most; otherwise pushed at once, or refused
     * by the locked free, which says what the address is.
     */
    private static void gatherExtent(Engine engine, Page page, long address, Thread t) {
        int sizeClass = page.units.remotelyFreeableClassAt(page, address);
        int blockSize = sizeClass < 0 ? 0 : engine.classes.blockSize(sizeClass);
        Heap mine;
        if (blockSize == 0 || blockSize > DeferredFrees.MAX_EXTENT || (mine = engine.freeingHeapOf(t)) == null) {
            page.units.extents.freeFromAnotherThread(page, address);
        } else {
            mine.deferredFrees.addExtent(page, sizeClass, Units.unitsFor(blockSize), address);
        }
    }

    /**
     * Whether the thread of {@code owner} is running, and so may allocate from the page a block came from. Its blocks
     * then go back to it: kept by the freeing thread, a block stays in the owner's page while serving the keeper,
     * and every later free of it is remote again (two-thread larson, xmalloc-test and sh8bench each ran about 3-6%
     * faster without that, docs/BENCHMARKS.md, twenty-fifth session). A thread that waits, as a main thread that
     * filled the tables and joins its workers, allocates nothing meanwhile: the freeing thread keeps its blocks.
     */
    private static boolean allocatesNow(Heap owner) {
        Thread thread = owner.owner;
        return thread != null && thread.getState() == Thread.State.RUNNABLE;
    }

    /**
     * A virtual thread's free of a block of this carrier heap's page while mounted on its carrier: it frees as
     * the owner, which is what the carrier's heap is to the virtual threads it runs. False, having done nothing,
     * when the thread runs on another carrier, or another virtual thread is inside this heap.
     */
    private boolean freeAsCarrier(Page page, long address) {
        if (Carriers.current() != owner || !enterAsCarrier()) {
            return false;
        }
        try {
            if (page.heap != this) {
                return false;               // quarantined meanwhile
            }
            freeLocal(page, address);
            return true;
        } finally {
            leaveAsCarrier();
        }
    }

    /**
     * Enters this carrier heap for one malloc or free by a virtual thread mounted on the carrier that owns it:
     * false when another virtual thread is inside, which happens only when that one parked in here (on a lock of
     * a slow path) and may now run on another carrier; the caller then takes a stripe. A virtual thread leaves
     * its carrier only where it parks, so between the caller's read of the carrier and this check nothing else
     * runs on that carrier, and the flag needs no atomic update: only threads on this carrier set it, one at a
     * time, and the one inside clears it with a release store, wherever it runs by then. Leave with
     * {@link #leaveAsCarrier}.
     */
    boolean enterAsCarrier() {
        if ((boolean) CARRIER_BUSY.getAcquire(this)) {
            return false;
        }
        CARRIER_BUSY.setOpaque(this, true);
        if (carrierHeld) {
            CARRIER_BUSY.setRelease(this, false);   // a trim holds it: see holdAsCarrier
            return false;
        }
        carrierEntries++;
        return true;
    }

    /**
     * For the timed pass: whether no virtual thread entered this carrier heap since the previous pass, though one
     * did since the last hold, so that holding it now may return what they left (once: a heap that keeps a live
     * block in a current page is not held again, handshake after handshake, until it is used again).
     */
    boolean idleAsCarrier() {
        int entries = carrierEntries;            // racy: the virtual threads inside write it
        boolean idle = entries == carrierEntriesSeen && entries != carrierEntriesAtHold;
        carrierEntriesSeen = entries;
        return idle;
    }

    /** Notes that a pass held this carrier heap and returned what it could (by that pass, holding it). */
    void heldAsCarrier() {
        carrierEntriesAtHold = carrierEntries;
    }

    /**
     * Holds this carrier heap for a trim, as its owner would, so that the trim may release its current pages and
     * flush its caches: false, holding nothing, when a virtual thread is inside. The hold is announced first,
     * then the carrier is made to stop at a safepoint poll (a stack walk is a handshake with it): a virtual thread
     * entering before that poll had set its flag, which is visible after the handshake, and one entering after it
     * sees the hold and takes a stripe. Between a virtual thread's read of the hold and its flag there is no
     * poll. The same handshake as {@link #handOffPages}'s; a trim pays it once per carrier, the timed pass once
     * per carrier that went idle after use.
     */
    boolean holdAsCarrier() {
        carrierHeld = true;
        boolean held = false;
        try {
            owner.getStackTrace();
            held = !carrierBusy();
            return held;
        } finally {
            if (!held) {
                carrierHeld = false;         // a virtual thread inside, or the stack walk failed
            }
        }
    }

    void releaseAsCarrier() {
        carrierHeld = false;
    }

    public void leaveAsCarrier() {
        CARRIER_BUSY.setRelease(this, false);
    }

    /** Whether a virtual thread is inside this carrier heap, with what it wrote there visible to the caller. */
    boolean carrierBusy() {
        return (boolean) CARRIER_BUSY.getAcquire(this);
    }

    /**
     * A virtual thread's free of a block of this stripe heap's page: when the stripe is free it takes it, as
     * its malloc does, and frees the block as the owner would. The block goes straight back to the page's free
     * list, where the stripe's next malloc finds it, instead of costing a CAS here and a collection there.
     * False, having done nothing, when the stripe is busy, the page left it meanwhile, or the block is a large
     * block or an extent (a stripe's extent cache would keep it from its page past a trim: nothing flushes it).
     */
    private boolean freeAsStripe(Page page, long address) {
        if (page.units != null || page.isLarge() || !stripeLock.tryLock()) {
            return false;                   // an extent goes to its page: a stripe's cache would keep it past trims
        }
        try {
            if (page.heap != this) {
                return false;               // reclaimed or quarantined before the lock was ours
            }
            freeLocal(page, address);
            return true;
        } finally {
            stripeLock.unlock();
        }
    }

    /** Frees a block of one of this heap's extent pages: into its cache when there is room, else into the page. */
    private void freeExtent(Page page, long address) {
        if (!extentCache.offer(page, address)) {
            extentCache.refused();
            page.units.extents.free(page, address);
        }
    }

    private void freeLocal(Page page, long address) {
        if (!CHECKS && page.units != null) {
            freeExtent(page, address);
            return;
        }
        if (CHECKS) {
            long offset = address - page.start;     // >= 0: the page map only maps a page's own chunks
            if (address >= page.bump || !page.isBlockOffset(offset)) {
                if (page.units != null) {           // an extent page's bump is its start: its frees come here
                    freeExtent(page, address);
                    return;
                }
                throw new InvalidFreeException(address, page.invalidBlockReason(address));
            }
            if (page.looksFree(address)) {
                throw new InvalidFreeException(address, "double free (the block is already free)");
            }
        }
        Memory.putLong(address, Page.encode(page.free, address));
        page.free = address;
        int used = page.used - 1;
        page.setUsed(used);              // a release store: the link is written before the reclaimer can see it
        // An emptied current page stays current, so it needs no lock: a thread that mallocs and frees one block
        // at a time (an arena per call) would otherwise take the list lock on every free. Only the owner changes
        // which page is current (or a hand-over while the owner is outside this class), so reading it here is safe.
        if (page.inFullList || (used == 0 && current[page.sizeClass] != page)) {
            pageHasRoom(page);
        }
    }

    /** A local free made a full page usable, or emptied a page. */
    private void pageHasRoom(Page page) {
        boolean emptied = false;
        lockLists();
        try {
            if (page.state != Page.IN_HEAP) {
                return;                   // the maintenance thread released it meanwhile
            }
            if (page.inFullList) {
                unlink(fullPages, page);
                page.inFullList = false;
                page.full = false;
                link(available, page);
            }
            if (page.used == 0 && current[page.sizeClass] != page) {
                unlink(available, page);
                if (sparePages[page.sizeClass] == null) {
                    sparePages[page.sizeClass] = page;    // the class's next page, as an emptied current page is
                } else {
                    emptied = true;
                }
            }
        } finally {
            unlockLists();
        }
        if (emptied) {
            engine.segments.release(page);    // after the lock: see lockLists
        }
    }

    /** Frees a block of a page this thread does not own at once: one CAS on the page's remote-free word. */
    private static void freeShared(Page page, long address) {
        if (page.units != null) {
            page.units.extents.freeFromAnotherThread(page, address);
            return;
        }
        if (page.isLarge()) {
            if (address != page.start) {
                throw new InvalidFreeException(address, "an interior pointer of a large block at 0x"
                        + Long.toHexString(page.start));
            }
            if (!page.casState(Page.LARGE_LIVE, Page.LARGE_FREED)) {
                throw new InvalidFreeException(address, "double free of a large block");
            }
            page.largePool.free(page);
            return;
        }
        checkRemoteFree(page, address);
        pushRemote(page, address, address, 1);
    }

    /** Throws unless {@code address} can be a live block of the small-block {@code page}, seen from another thread. */
    private static void checkRemoteFree(Page page, long address) {
        if (page.state == Page.RELEASED) {
            throw new InvalidFreeException(address, "not a live block (its page is free: double free or stale "
                    + "pointer)");
        }
        String reason = page.invalidBlockReason(address);
        if (reason != null) {
            throw new InvalidFreeException(address, reason);
        }
        // A plain check, no CAS on the block: two threads freeing one block at the very same moment can both pass
        // it. Claiming the block with a CAS made every remote free pay a second atomic (producer/consumer pairs/s
        // fell 25-45% in ProducerConsumerBenchmark); docs/RELIABILITY.md section 5 has the numbers.
        if (page.looksFree(address)) {
            throw new InvalidFreeException(address, "double free (the block is already free)");
        }
    }

    /**
     * Pushes the chain {@code head .. tail} of {@code count} freed blocks of {@code page} (linked, the tail's link
     * about to be set) onto the page's remote-free list with one CAS.
     */
    static void pushRemote(Page page, long head, long tail, int count) {
        long old;
        do {
            old = page.threadFree;
            Memory.putLong(tail, Page.encode(old & Page.ADDRESS_MASK, tail));
        } while (!page.casThreadFree(old, ((old >>> Page.COUNT_SHIFT) + count) << Page.COUNT_SHIFT | head));
        if ((old >>> Page.COUNT_SHIFT) == 0 && page.full) {
            page.heap.hint(page.sizeClass);
        }
        if ((old >>> Page.COUNT_SHIFT) + count == page.usedAcquire()) {
            page.heap.releaseEmptied(page);
        }
    }

    /**
     * Releases a page of this heap that a remote free has just emptied, unless it is current or the lists are
     * busy (the maintenance pass takes it then). Without it, the pages of a thread whose blocks others free stay
     * committed until the next pass, while the freeing threads fill pages of their own: larson's peak, when the
     * workers free the blocks the main thread allocated. The check is {@link #reclaim}'s, for one page.
     */
    private void releaseEmptied(Page page) {
        if (this == NO_OWNER || !tryLockLists()) {
            return;
        }
        boolean taken;
        try {
            if (page.heap != this || page.state != Page.IN_HEAP || current[page.sizeClass] == page) {
                return;                       // the owner's fast path uses its current page without the lock
            }
            taken = takeIfFreedRemotely(page.inFullList ? fullPages : available, page);
        } finally {
            unlockLists();
        }
        if (taken) {
            engine.segments.release(page);    // out of every list, so no one finds it before it goes
        }
    }

    private void hint(int sizeClass) {
        if (this != NO_OWNER && sizeClass >= 0) {
            HINTS.setVolatile(hints, sizeClass, (byte) 1);
        }
    }

    /**
     * Resizes the large block at {@code address} (checked live by the caller) to {@code size} bytes by remapping,
     * without copying; 0 when it is not a large block or the OS refuses, so the caller copies instead.
     */
    /**
     * Grows the extent at {@code address} in place to a block of class {@code sizeClass}, {@code blockSize} bytes,
     * when the units after it in its page are free ({@link Units#growInPlace}); false otherwise, and for any other
     * block.
     */
    public static boolean growExtentInPlace(long address, int blockSize, int sizeClass) {
        Page page = PageMap.lookup(address);
        return page != null && page.units != null && Extents.serves(blockSize)
                && page.units.growInPlace(page, address, Units.unitsFor(blockSize), sizeClass);
    }

    public static long remapLarge(long address, long size) {
        Page page = PageMap.lookup(address);
        if (page == null || !page.isLarge() || address != page.start) {
            return 0;
        }
        return page.largePool.remap(page, size);
    }

    /**
     * Whether {@code address} lies in memory lgmalloc manages: a page of small blocks, or the first chunk of a live
     * large block. Two loads, no check that it is a live block (free and realloc do that).
     */
    public static boolean owns(long address) {
        return PageMap.lookup(address) != null;
    }

    /** The usable size of the live block at {@code address}, after checking it is one. */
    public static long usableSize(long address) {
        Page page = PageMap.lookup(address);
        if (page == null) {
            throw new InvalidFreeException(address, "not allocated by lgmalloc (a foreign pointer, or a large block "
                    + "that was already freed)");
        }
        if (page.isLarge()) {
            if (address != page.start || page.state != Page.LARGE_LIVE) {
                throw new InvalidFreeException(address, "not the start of a live large block");
            }
            return page.mappedSize;
        }
        if (page.units != null) {
            return page.units.usableSize(page, address);
        }
        String reason = page.state == Page.RELEASED ? "not a live block (its page is free)"
                : page.invalidBlockReason(address);
        if (reason == null && page.looksFree(address)) {
            reason = "not a live block (it was freed)";
        }
        if (reason != null) {
            throw new InvalidFreeException(address, reason);
        }
        return page.blockSize;
    }

    // ---------------------------------------------------------------- lists and lifecycle

    private void lockLists() {
        // Held for a list walk at most. The owner competes only with reclaims (the maintenance thread, a trim, a
        // refused allocation) and a remote free releasing a page; backing off now and then lets a descheduled
        // holder finish. A virtual thread parks rather than yields: a holder may be a virtual thread unmounted on a
        // monitor (the segments'), and the scheduler ran the yielding waiters again before it, on every carrier
        // (ReliabilityTest hung in CI, two virtual threads spinning here, the holder runnable and never mounted).
        for (int spins = 1; !LIST_LOCK.compareAndSet(this, 0, 1); spins++) {
            if ((spins & 63) != 0) {
                Thread.onSpinWait();
            } else if (Thread.currentThread().isVirtual()) {
                LockSupport.parkNanos(BACK_OFF_NANOS);
            } else {
                Thread.yield();
            }
        }
    }

    private boolean tryLockLists() {
        return LIST_LOCK.compareAndSet(this, 0, 1);
    }

    private void unlockLists() {
        LIST_LOCK.setRelease(this, 0);
    }

    private static void link(Page[] heads, Page page) {
        Page head = heads[page.sizeClass];
        page.prev = null;
        page.next = head;
        if (head != null) {
            head.prev = page;
        }
        heads[page.sizeClass] = page;
    }

    private static void unlink(Page[] heads, Page page) {
        if (page.prev != null) {
            page.prev.next = page.next;
        } else if (heads[page.sizeClass] == page) {
            heads[page.sizeClass] = page.next;
        } else {
            return;  // not in this list
        }
        if (page.next != null) {
            page.next.prev = page.prev;
        }
        page.prev = null;
        page.next = null;
    }

    /**
     * Makes {@code list}, the heap's list of cached extents of {@code sizeClass}, the class's current page, so that
     * {@link #malloc} pops it. Owner only; hand-overs and reclaims leave it where it is, and {@link #abandon}, once
     * the cache is back in the pages, clears it with the class's other current pages.
     */
    void installCacheList(int sizeClass, Page list) {
        current[sizeClass] = list;
    }

    /** Whether {@code page}, a class's current page, is a page of memory: neither none nor a list of extents. */
    private boolean isMemoryPage(Page page) {
        return page != exhausted && !page.isCacheList();
    }

    /** Installs a page for {@code sizeClass} ahead of use (pre-provisioning); owner or creator only. */
    void provision(int sizeClass) {
        if (current[sizeClass] == exhausted && !Extents.serves(engine.classes.blockSize(sizeClass))) {
            Page page = engine.acquirePage(this, sizeClass);
            if (page != null) {
                current[sizeClass] = page;
            }
        }
    }

    /**
     * Releases the pages of this heap none of whose blocks is live any more because other threads freed the rest.
     * Run by the maintenance thread while the owner lives; skips the heap (returns false) when another holds
     * the lists. Pages are released inside the lock, so the owner's next look at one finds it released.
     *
     * <p>Why it is safe without the owner's help: a page that is not current gets no new blocks (the owner would
     * first take the lock to make it current), its remote-free word only grows while the lock is held (only
     * lock holders take it), and the owner's local free lowers {@code used} with a release store after writing the
     * link. So if {@code used} equals the count in the remote-free word, read before {@code used}, and that word
     * is still the same when it is taken with a CAS, every block of the page was free at that moment and stays so.
     *
     * <p>Only classes the owner did not allocate from since the previous pass are looked at (unless
     * {@code force}): a producer whose full pages a consumer empties reuses them on its next slow path, and
     * releasing them under it made it fault fresh pages in (its rate in {@code ProducerConsumerBenchmark} halved).
     *
     * @param force            every class, also one in use (trim, or an allocation the limit refused)
     * @param withCurrentPages also the current pages (only when no thread can be using the heap: a stripe whose
     *                         lock the caller holds)
     */
    boolean reclaim(boolean force, boolean withCurrentPages) {
        if (force) {
            // A forced pass must see every page: skipping a heap whose lists another reclaim held made an allocation
            // the limit refused give up on memory that pass was about to release (CI, and a trim loop beside it).
            lockLists();
        } else if (!tryLockLists()) {
            return false;
        }
        try {
            for (int c = 0; c < current.length; c++) {
                int entries = slowPaths[c];
                idle[c] = entries == slowPathsSeen[c];
                slowPathsSeen[c] = entries;
                if (!idle[c] && !force) {
                    continue;
                }
                reclaimFrom(available, c);
                reclaimFrom(fullPages, c);
                releaseSpare(c);
                Page cur = current[c];
                if (withCurrentPages && isMemoryPage(cur)) {
                    if (collect(cur) < 0) {
                        quarantine(cur, "its list of blocks freed by other threads");
                        current[c] = exhausted;
                    } else if (cur.used == 0) {
                        current[c] = exhausted;
                        engine.segments.release(cur);
                    }
                }
            }
            if (!force && !striped && !ofCarrier) {
                // Not a carrier's: its owner's state says nothing of a virtual thread inside it on another carrier.
                handOffPages();
            }
            return true;
        } finally {
            unlockLists();
        }
    }

    /**
     * Gives the pages of the classes its owner did not allocate from since the previous pass, the current ones
     * included, to the engine's orphans while the owner is blocked outside the allocator: there any heap adopts a
     * page that has room, empty ones go back to their segments, and the owner, once it allocates again, takes
     * pages on its slow path as any thread does. Without it, a thread that allocated many blocks and then waits
     * (larson's main thread, which fills the workers' tables) keeps a current page in every class it used and
     * every page other threads free into: only it may allocate from them, and reclaim takes only empty pages that
     * are not current. Classes in use stay: sh8bench's threads block on their queues between batches, and taking
     * all their pages each pass made them start fresh ones (its mean resident memory 5.1 -> 9.1 MiB). Caller
     * holds the lists.
     *
     * <p>Why the owner's lock-free fast paths cannot race with the hand-over: a malloc reads its current page and
     * pops its free list, a local free reads the page's heap and pushes onto the free list, each within
     * {@code Heap}'s own methods with no blocking call in between. The pages are first marked as no one's and
     * taken out of the current slots; then the owner's stack is read, which the JVM does in a handshake with the
     * owner (it stops at a safepoint poll, or is blocked): if no frame of {@code Heap} is on it, any fast path
     * that read the old state has finished, its writes are visible here, and every later one sees the new state
     * (a free frees as a remote thread, a malloc takes its slow path). Otherwise all is put back as it was.
     */
    private void handOffPages() {
        Thread t = owner;
        if (t == null || !isBlocked(t.getState())) {
            return;
        }
        Page[] taken = new Page[current.length];
        boolean any = false;
        for (int c = 0; c < current.length; c++) {
            if (!idle[c]) {
                continue;
            }
            Page cur = current[c];
            if (isMemoryPage(cur)) {
                taken[c] = cur;
                current[c] = exhausted;
                cur.heap = NO_OWNER;
                any = true;
            }
            any |= mark(available[c], NO_OWNER) | mark(fullPages[c], NO_OWNER);
        }
        if (!any) {
            return;
        }
        VarHandle.fullFence();            // the marks, before the owner's stack is asked for
        boolean inHeapCode = inHeapCode(t.getStackTrace());
        for (int c = 0; c < current.length; c++) {
            if (!idle[c]) {
                continue;
            }
            if (inHeapCode) {
                if (taken[c] != null) {
                    taken[c].heap = this;
                    current[c] = taken[c];
                }
                mark(available[c], this);
                mark(fullPages[c], this);
                if (fullPages[c] != null) {
                    hint(c);              // a remote free meanwhile raised no hint: it saw no one's page
                }
            } else {
                if (taken[c] != null) {
                    engine.orphan(taken[c]);      // released if empty
                }
                drain(available, c);
                drain(fullPages, c);
            }
        }
    }

    private static boolean mark(Page first, Heap heap) {
        for (Page page = first; page != null; page = page.next) {
            page.heap = heap;
        }
        return first != null;
    }

    private static boolean isBlocked(Thread.State state) {
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.BLOCKED;
    }

    private static boolean inHeapCode(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().equals(Heap.class.getName())) {
                return true;
            }
        }
        return false;
    }

    private void reclaimFrom(Page[] heads, int sizeClass) {
        Page page = heads[sizeClass];
        while (page != null) {
            Page next = page.next;
            releaseIfFreedRemotely(heads, page);
            page = next;
        }
    }

    /**
     * Releases {@code page}, a page of this heap on list {@code heads} and not current, when other threads freed
     * every block of it ({@link #reclaim} says why this check is safe without the owner). Caller holds the lists.
     */
    private void releaseIfFreedRemotely(Page[] heads, Page page) {
        if (takeIfFreedRemotely(heads, page)) {
            engine.segments.release(page);
        }
    }

    /** Takes {@code page} off list {@code heads} when other threads freed every block of it, for release. */
    private boolean takeIfFreedRemotely(Page[] heads, Page page) {
        long word = page.threadFree;
        if (word != 0 && page.usedAcquire() == (int) (word >>> Page.COUNT_SHIFT) && page.casThreadFree(word, 0)) {
            unlink(heads, page);
            page.inFullList = false;
            page.full = false;
            page.setUsed(0);
            // Released already, for whoever holds the lists next: releaseEmptied gives the page to its segment only
            // after unlocking, and a page out of every list but still in this heap, empty, was taken a second time
            // by a probe that moved pages later than the free (docs/BENCHMARKS.md, nineteenth session).
            page.state = Page.RELEASED;
            return true;
        }
        return false;
    }

    /**
     * Hands every page of this heap back: empty ones to their segments, the rest to the engine's orphans,
     * where frees from any thread keep working. Called once its thread is gone (or never ran).
     */
    void abandon() {
        deferredFrees.flush();    // the owner is gone: its gathered remote frees go to their pages now
        remoteFrees.flush();      // and the blocks it kept
        extentCache.flush(engine.extents);
        extentsHandedBack = true;
        freeArenaChunk();
        lockLists();
        try {
            for (int c = 0; c < current.length; c++) {
                Page cur = current[c];
                current[c] = exhausted;
                if (isMemoryPage(cur)) {
                    engine.orphan(cur);
                }
                drain(available, c);
                drain(fullPages, c);
                releaseSpare(c);
            }
        } finally {
            unlockLists();
        }
    }

    /**
     * Gives the class's spare page back to its segment. It holds no live block (none was handed out since it
     * emptied, or it would be current), so no free can reach it but a double free, which its free list refuses.
     * Caller holds the lists.
     */
    private void releaseSpare(int sizeClass) {
        Page spare = sparePages[sizeClass];
        if (spare != null) {
            sparePages[sizeClass] = null;
            engine.segments.release(spare);
        }
    }

    private void drain(Page[] heads, int sizeClass) {
        Page page = heads[sizeClass];
        while (page != null) {
            Page next = page.next;
            page.prev = null;
            page.next = null;
            page.inFullList = false;
            page.full = false;
            engine.orphan(page);
            page = next;
        }
        heads[sizeClass] = null;
    }
}
