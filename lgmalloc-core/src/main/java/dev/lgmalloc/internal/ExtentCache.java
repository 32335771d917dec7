package dev.lgmalloc.internal;

import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;

/**
 * Extent blocks a thread freed, or that a miss took from the page in advance ({@link #stock}), kept for its next
 * allocations of the same class without taking their page's lock: a few per class, last in first out, as
 * jemalloc's and glibc's thread caches keep their large bins. A block here is still live in its page's
 * {@link Units}, so no other heap can take its units; a second free of it is caught here (by the owner) or by
 * {@link #holds} (by another thread). A free of a stocked one, never handed out, is refused
 * the same way, as already free, as a small page's blocks linked before they go out are.
 *
 * <p>Each class's blocks form a free list headed by a {@link Page#extentCacheList list page} that the heap keeps as
 * the class's current page, so {@link Heap#malloc}'s pop serves a cached extent as it serves a block of a small
 * class: no call, no lock. A cached block's first word holds its link, encoded as a small page's free blocks do,
 * and malloc's pop zeroes it. The list page's {@code used} falls by one per block pushed and rises by one per block
 * the pop takes, so minus it is the count. With a flat array of addresses per class instead, each cached pair called
 * the slow path and cost 2.5 times a small block's (docs/BENCHMARKS.md, twenty-seventh session).
 *
 * <p>Bounded: at most {@link #MAX_PER_CLASS} blocks and {@link #CLASS_BYTES} per class, {@link #MAX_BYTES} in all,
 * so a thread that stops allocating holds at most that much back from merging and from the purge; during a burst of
 * frees, {@link #BURST_PER_CLASS} blocks a class and {@link #BURST_BYTES} ({@link #refused}). The blocks go back to
 * their pages when the thread ends and when it trims. Owner only, except {@link #holds} and
 * {@link #uncount}.
 */
final class ExtentCache {

    static final int MAX_PER_CLASS = 8;
    static final int CLASS_BYTES = 64 * 1024;
    static final long MAX_BYTES = 256 * 1024;
    /** How many classes above its own a missed allocation may take a cached block of ({@link #takeLarger}). */
    static final int REACH = 2;
    /**
     * A burst of frees starts with this many of the owner's frees in a row that the limits above refused, with no
     * miss between them ({@link #refused}). A thread that frees and allocates extents in turn, even of random sizes,
     * almost never refuses this many in a row: the model of glibc-thread's traffic ({@code scripts/extent-cache-model})
     * starts 6 bursts in 333,000 extent frees, and 721 with eight.
     */
    static final int BURST_START = 16;
    /** What the cache may hold during a burst of frees: per class in blocks, and in all. */
    static final int BURST_PER_CLASS = 64;
    static final long BURST_BYTES = 4096 * 1024;

    private final Heap heap;
    private final SizeClasses classes;
    private final int firstClass;
    /**
     * Per class from {@link #firstClass}: its list page, made on its first free or miss (the heap's current page
     * then), which holds the class's limit and block bytes too.
     */
    private final Page[] lists;
    /**
     * The bytes held, but for the blocks malloc's pop took since each list's {@code cacheUsedSeen}: the pop cannot
     * subtract them, so a push first takes its own class's off, and a miss that would stock past the limit counts
     * every class again ({@link #heldBytes}). Until then a free may find the cache fuller than it is: never emptier.
     */
    private long bytes;
    /** The owner's frees the limits refused since its last miss ({@link #refused}). */
    private int refusedInARow;
    /** Whether a burst of frees is under way: {@link #offer} keeps blocks up to the burst's limits. */
    private boolean burst;

    /** Whether this is {@code heap}'s cache. */
    boolean belongsTo(Heap heap) {
        return this.heap == heap;
    }

    ExtentCache(Heap heap, SizeClasses classes) {
        this.heap = heap;
        this.classes = classes;
        int first = classes.count();
        while (first > 0 && Extents.serves(classes.blockSize(first - 1))) {
            first--;
        }
        this.firstClass = first;
        this.lists = new Page[classes.count() - first];
    }

    /** Blocks held of the class at {@code bin}, read racily outside the owner. */
    private int held(int bin) {
        Page list = lists[bin];
        return list == null ? 0 : Math.clamp(-list.used, 0, BURST_PER_CLASS);     // the most a list holds
    }

    /** How many blocks the class of {@code list} may hold now: its own limit, or a burst's. */
    private int classLimit(Page list) {
        return burst ? BURST_PER_CLASS : list.cacheLimit;
    }

    /** How many bytes the cache may hold now: {@link #MAX_BYTES}, or a burst's. */
    private long byteLimit() {
        return burst ? BURST_BYTES : MAX_BYTES;
    }

    /** Blocks held of class {@code sizeClass} (owner only; for tests). */
    int heldOf(int sizeClass) {
        return held(sizeClass - firstClass);
    }

    /**
     * Notes the owner's free of an extent that {@link #offer} refused. The last of {@link #BURST_START} in a row with
     * no miss between them starts a burst of frees: until the next miss, the cache keeps up to
     * {@link #BURST_PER_CLASS} blocks a class and {@link #BURST_BYTES} in all. A thread that frees a batch and then
     * allocates the next one, as rptest's threads and batches of requests do, takes the batch's blocks back from its
     * cache, each without a lock, where each went to its page's locked free and came out of a locked allocation
     * again (one thread of rptest: about a sixth of its time, docs/BENCHMARKS.md, thirty-seventh session). What a
     * burst kept beyond the usual limits goes out as the next allocations take it, and the usual limits keep other
     * frees out meanwhile; a thread that stops after a burst holds at most {@link #BURST_BYTES} back until it trims
     * or ends.
     */
    void refused() {
        if (++refusedInARow == BURST_START) {
            burst = true;
        }
    }

    /** The list page of the class at {@code bin}, made and installed as the heap's current page if need be. */
    private Page list(int bin) {
        Page list = lists[bin];
        if (list == null) {
            int sizeClass = firstClass + bin;
            int size = Units.unitsFor(classes.blockSize(sizeClass)) << Units.UNIT_SHIFT;
            list = Page.extentCacheList(sizeClass, size, Math.min(MAX_PER_CLASS, Math.max(1, CLASS_BYTES / size)));
            lists[bin] = list;
            heap.installCacheList(sizeClass, list);
        }
        return list;
    }

    /**
     * What the class's list holds after {@link Heap#malloc}'s pop refused its head, whose first word no longer
     * decodes to a link: the program wrote into that block after freeing it. The block is never handed out again,
     * as a small page's corrupted list is quarantined; the blocks behind it cannot be found and stay live in their
     * pages. Owner only.
     */
    void dropCorrupted(int sizeClass) {
        int bin = sizeClass - firstClass;
        Page list = bin < 0 ? null : lists[bin];
        if (list != null && list.free != 0) {
            heap.engine.discardWrittenBlock(list.free);
            list.free = 0;
            list.used = 0;
            heldBytes();
        }
    }

    /**
     * A cached block of one of the {@link #REACH} classes above {@code sizeClass}, at most a quarter bigger, for an
     * allocation its own class's list missed; 0 if they hold none. A class keeps about one block on average (17
     * classes from 8 to 32 KiB share {@link #MAX_BYTES}), so with random sizes a thread's cache holds blocks of the
     * classes beside the one it misses on nearly half its extent allocations, each then a locked allocation in a
     * page, and every class that fills sends its frees to their pages too. The block keeps its class, and goes back
     * to that class's list when it is freed. Taken as malloc's pop takes it (owner only).
     */
    long takeLarger(int sizeClass) {
        refusedInARow = 0;                      // a miss: a burst of frees is over
        burst = false;
        int bin = sizeClass - firstClass;
        int last = Math.min(bin + REACH, lists.length - 1);
        Page list = null;
        for (int b = bin + 1; b <= last && list == null; b++) {
            Page l = lists[b];
            if (l != null && l.free != 0) {
                list = l;
            }
        }
        if (list == null) {
            return 0;
        }
        // The pop, once, after the search: each FFM access C2 compiles costs the JIT's arena (DESIGN §11)
        long block = list.free;
        long word = Memory.getLong(block);
        if (!mayBeCached(word, block)) {
            dropCorrupted(list.sizeClass);      // written into after its free, as malloc's pop would refuse it
            return 0;
        }
        list.free = Page.decode(word, block);
        list.used++;
        Memory.putLong(block, 0);               // a live block's first word must not decode to a link
        return block;
    }

    /**
     * How many blocks of class {@code sizeClass} to stock while its page is locked for one that missed the cache:
     * half of what the class may hold, within the room it has. A thread that allocates a class in runs (rptest's
     * batches) then takes the page's lock, and its fenced instructions, once for several blocks, as jemalloc's
     * tcache fills a bin from one slab; a thread that allocates the class now and then keeps at most the class's
     * half until it trims or ends. Makes the class's list if it has none (owner only, as every caller is).
     */
    int stockWanted(int sizeClass) {
        return stockRoom(sizeClass, true);
    }

    /**
     * How many blocks of class {@code sizeClass} the class has room for, within the cache's bytes; half its limit at
     * most when {@code half}. Makes the class's list if it has none (owner only, as every caller is).
     */
    int stockRoom(int sizeClass, boolean half) {
        int bin = sizeClass - firstClass;
        if (bin < 0) {
            return 0;
        }
        Page list = list(bin);
        int limit = list.cacheLimit;
        int wanted = half ? Math.min(limit - held(bin), limit / 2) : limit - held(bin);
        if (bytes + (long) wanted * list.blockSize > MAX_BYTES) {
            wanted = (int) Math.min(wanted, (MAX_BYTES - heldBytes()) / list.blockSize);
        }
        return Math.max(0, wanted);
    }

    /**
     * Keeps {@code count} blocks of class {@code sizeClass} just taken from their page for the next allocations,
     * the first of them served first (so blocks still go out in the order the page gave them). Under the page's
     * lock, so another thread's free that takes the lock later finds them ({@link #holds}).
     */
    void stock(int sizeClass, long[] blocks, int count) {
        int bin = sizeClass - firstClass;
        Page list = list(bin);
        bytes -= (long) (list.used - list.cacheUsedSeen) * list.blockSize;     // what malloc took since
        for (int i = count - 1; i >= 0; i--) {
            push(list, blocks[i]);
        }
        list.cacheUsedSeen = list.used;
        bytes += (long) count * list.blockSize;
    }

    /**
     * Keeps the block at {@code address} of {@code page} (a page of this cache's heap) if it is a live block's
     * start, not freed before, and its class has room; false sends it to the page's locked free, which checks it
     * ({@link #holds}).
     *
     * @throws InvalidFreeException if the block is in the cache already (a double free)
     */
    boolean offer(Page page, long address) {
        int bin = page.units.liveClassAt(page, address) - firstClass;
        if (bin < 0) {
            return false;                   // not a live block's start: the locked free says what it is
        }
        Page list = lists[bin];
        if (list == null) {
            return offerSlowly(bin, address);
        }
        int used = list.used;
        if (-used >= classLimit(list)) {
            return false;                   // full: to the page, whose free checks it too
        }
        int size = list.blockSize;
        long held = bytes - (long) (used - list.cacheUsedSeen) * size;
        if (held + size > byteLimit()) {
            return false;                   // (other classes' blocks malloc took count until a miss recounts them)
        }
        if (mayBeCached(Memory.getLong(address), address)) {
            return offerSlowly(bin, address);
        }
        // push, written out: C2 would call it from here
        Memory.putLong(address, Page.encode(list.free, address));
        list.free = address;
        list.used = used - 1;
        list.cacheUsedSeen = used - 1;
        bytes = held + size;
        return true;
    }

    /**
     * {@link #offer} when the class has no list yet or the block's first word may be a cached block's link; out of
     * line, so that the free it is inlined into stays small for C2 ({@code InlinableEntryPointsTest}).
     */
    private boolean offerSlowly(int bin, long address) {
        Page list = list(bin);
        if (looksCached(Memory.getLong(address), address)) {
            if (find(list, held(bin), address)) {
                throw new InvalidFreeException(address, Units.DOUBLE_FREE);
            }
            return false;   // not here, but maybe in the page's remote list (Units.freeRemotely): the locked free knows
        }
        int size = list.blockSize;
        if (-list.used >= classLimit(list) || heldBytes() + size > byteLimit()) {
            return false;
        }
        push(list, address);
        list.cacheUsedSeen = list.used;
        bytes += size;
        return true;
    }

    private static void push(Page list, long address) {
        Memory.putLong(address, Page.encode(list.free, address));
        list.free = address;
        list.used--;
    }

    /** The bytes held, counted class by class (into {@link #bytes}). Owner only. */
    long heldBytes() {
        long sum = 0;
        for (int bin = 0; bin < lists.length; bin++) {
            Page list = lists[bin];
            if (list != null) {
                sum += (long) held(bin) * list.blockSize;
                list.cacheUsedSeen = list.used;
            }
        }
        bytes = sum;
        return sum;
    }

    /**
     * Whether {@code word}, the first word of the extent at {@code address}, is a cached block's link: the end of a
     * list, or an address where an extent can start. A live block's first word matches with odds of about 2^-44.
     */
    private static boolean looksCached(long word, long address) {
        long link = Page.decode(word, address);
        if ((link & Page.EXTENT_LINK_MASK) != 0) {
            return false;
        }
        if (link == 0) {
            return true;
        }
        Page page = PageMap.lookup(link);
        return page != null && page.units != null;
    }

    /** {@link #looksCached} without the page map: the link is 0 or has the bits of an extent's start. */
    private static boolean mayBeCached(long word, long address) {
        return (Page.decode(word, address) & Page.EXTENT_LINK_MASK) == 0;
    }

    /**
     * Whether the cache of the heap that owns the live extent at {@code address} holds it (freed, or stocked and
     * never handed out), or its page's remote list does ({@link Units#freeRemotely} links it the same way). For
     * another thread's free or size query of it. It reads only the block, which the caller claims, so it needs
     * nothing of the owner: a cached block's first word decodes to a link, a live one's (zeroed when it was handed
     * out) does not but by chance. Racy, so it sees a free made before, not one racing with it.
     */
    static boolean holds(long address) {
        return looksCached(Memory.getLong(address), address);
    }

    /**
     * Whether the first {@code n} blocks of {@code list} hold {@code address}; exact, for the owner. Stops at a link
     * that leads nowhere a cached block can be (the program wrote into a cached block).
     */
    private static boolean find(Page list, int n, long address) {
        long block = list.free;
        for (int i = 0; i < n && block != 0; i++) {
            if (block == address) {
                return true;
            }
            long word = Memory.getLong(block);
            if (!looksCached(word, block)) {
                return false;
            }
            block = Page.decode(word, block);
        }
        return false;
    }

    /**
     * Frees every cached block into its page (by the owner, or by whoever holds the heap once its thread ended or
     * while no virtual thread is inside its carrier's heap).
     */
    void flush(Extents extents) {
        for (int bin = 0; bin < lists.length; bin++) {
            Page list = lists[bin];
            if (list == null) {
                continue;
            }
            long block = list.free;
            int n = held(bin);
            list.free = 0;
            list.used = 0;
            list.cacheUsedSeen = 0;
            for (int i = 0; i < n && block != 0; i++) {
                Page page = PageMap.lookup(block);
                if (page == null || page.units == null || page.units.isReleased()) {
                    break;                         // a closed allocator took its memory, and so the list's rest
                }
                long word = Memory.getLong(block);
                long next = looksCached(word, block) ? Page.decode(word, block) : 0;
                Memory.putLong(block, 0);          // live again, so the page's free does not find it cached
                extents.free(page, block);
                block = next;
            }
        }
        bytes = 0;
    }

    /**
     * Takes the blocks held off {@code live} (per class) and {@code totals} ({blocks, bytes}), which counted them
     * as their pages do (racy outside the owner).
     */
    void uncount(long[] live, long[] totals) {
        for (int bin = 0; bin < lists.length; bin++) {
            int n = held(bin);
            if (n > 0) {
                uncount(live, totals, firstClass + bin, n, lists[bin].blockSize);
            }
        }
    }

    /**
     * Takes {@code blocks} extents of class {@code sizeClass}, {@code blockBytes} each, off the live counts per class
     * ({@code live}) and the totals ({blocks, bytes}) that the statistics gathered from the pages, no more than
     * they counted (the counts are racy).
     */
    static void uncount(long[] live, long[] totals, int sizeClass, long blocks, long blockBytes) {
        if (sizeClass >= 0 && sizeClass < live.length) {
            long taken = Math.min(blocks, live[sizeClass]);
            live[sizeClass] -= taken;
            totals[0] -= taken;
            totals[1] -= taken * blockBytes;
        }
    }
}
