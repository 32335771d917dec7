package dev.lgmalloc.internal;

import static dev.lgmalloc.internal.Bitmap.anySet;
import static dev.lgmalloc.internal.Bitmap.clear;
import static dev.lgmalloc.internal.Bitmap.clearRange;
import static dev.lgmalloc.internal.Bitmap.get;
import static dev.lgmalloc.internal.Bitmap.previousSet;
import static dev.lgmalloc.internal.Bitmap.set;
import static dev.lgmalloc.internal.Bitmap.setRange;

import dev.lgmalloc.InvalidFreeException;

/**
 * The blocks of one extent page: its 256 KiB cut into 256 units of 1 KiB, a block being a run of units. Free runs
 * merge by themselves (a block's units are bits in one map), so memory a freed 20 KiB block leaves is there for a
 * 24 KiB request; segregated classes cannot do that. Everything is guarded by this object's monitor, except what
 * the owner's {@link ExtentCache} reads without it ({@link #liveClassAt}); the cache keeps the blocks it holds live
 * here, so the lock is taken only when a block really comes or goes. A request finds a run long enough through
 * {@link FreeRuns}, an index of the free runs by length, not by walking the map.
 *
 * <p>The metadata lives here, not in the blocks: a write into a freed block cannot corrupt it, and every free is
 * checked exactly (a block start, a block freed before, an interior pointer, or a unit never handed out).
 *
 * <p>Other threads free without the lock ({@link #freeRemotely}): they push the block onto the page's remote list
 * (the word small pages use, {@code Page.threadFree}), and whoever takes the lock next for the page's state takes
 * the list in ({@link #takeRemoteFrees}). A consumer that frees another thread's 16 KiB blocks then no longer takes
 * the lock, and the bitmaps' cache lines, from the producer that allocates them on every block.
 */
final class Units {

    static final int UNIT_SHIFT = 10;
    static final int UNIT = 1 << UNIT_SHIFT;
    /** Units in a page. 256 KiB, not 1 MiB: {@link Extents} says why. */
    static final int COUNT = 256;
    /** The units a block of {@code blockSize} bytes takes. */
    static int unitsFor(int blockSize) {
        return (blockSize + UNIT - 1) >>> UNIT_SHIFT;
    }

    /** Units in one OS page: the purge gives back whole pages only. */
    private static final int UNITS_PER_OS_PAGE = (int) (Os.PAGE_SIZE >>> UNIT_SHIFT);
    private static final int WORDS = COUNT / 64;
    /** What a second free of a block is told. */
    static final String DOUBLE_FREE = "double free (the block is already free)";
    /** What a free of an address inside a page but at no live block's start is told. */
    static final String NOT_ALLOCATED = "not an allocated block (inside an lgmalloc page but not in a live block)";
    /** {@link #classes} where no live block starts. */
    private static final short NONE = -1;

    /** The allocator's extents, where a free that empties the page goes on. */
    final Extents extents;
    private final long[] used = new long[WORDS];        // units of live blocks, and of runs being purged
    private final FreeRuns freeRuns = new FreeRuns(COUNT);  // the runs clear in used, by length
    private final long[] starts = new long[WORDS];      // the first unit of each live block
    private final long[] freedStarts = new long[WORDS]; // first units of freed blocks (stale under live blocks)
    private final long[] dirty = new long[WORDS];       // units handed out before the last pass, not purged since
    private final long[] touched = new long[WORDS];     // units handed out since the last pass
    private final short[] lengths = new short[COUNT];   // units of the live block starting at each unit
    private final short[] classes = new short[COUNT];   // size class of the live block starting at each unit, or NONE
    private int freeUnits = COUNT;
    private int liveBlocks;
    /**
     * Purges taken by {@link #takeIdleRuns} and not yet {@link #purged}: the page is not released meanwhile, since its
     * chunks could then go to another page whose blocks the OS would drop when the purge's {@code madvise} comes.
     */
    private int purgesUnderWay;
    private long lastPass;
    private boolean released;

    Units(Extents extents) {
        this.extents = extents;
        java.util.Arrays.fill(classes, NONE);
    }

    /**
     * Whether the page may have room for {@code units} units: read without the lock, so only a hint that spares
     * taking the lock of a page that cannot serve. Free units alone let a fragmented page through: glibc-thread took
     * 5.8 page locks per extent allocation, rptest 1.7; with the longest run's bin, 1.1 and 1.0.
     */
    boolean mayHold(Page page, int units) {
        return freeRuns.mayFit(units) || page.threadFree != 0;
    }

    /**
     * The longest run of units a request may find in the page: its longest free run, {@link ExtentPages#REMOTE}
     * while it has a remote list, 0 once released. Read without the lock, as its heap's walk does
     * ({@link ExtentPages#room}).
     */
    int room(Page page) {
        return released ? 0 : page.threadFree != 0 ? ExtentPages.REMOTE : freeRuns.longest();
    }

    /** Under the lock, after the page's runs shrank or its remote list was taken in: tells its heap's walk. */
    private void roomShrank(Page page) {
        page.heap.extentPages.roomIs(page, room(page));
    }

    /**
     * Under the lock, after the page's runs grew (their longest's bin was {@code before}): no walk of its heap for
     * a request it may now serve starts above it.
     */
    private void roomGrew(Page page, int before) {
        page.heap.extentPages.gainedRoom(page, room(page), before, freeRuns.highestBin());
    }

    /** The address of a block of {@code units} units for class {@code sizeClass} in {@code page}, or 0. */
    long allocate(Page page, int units, int sizeClass) {
        return allocate(page, units, sizeClass, 1, null, null, 0);
    }

    /** {@link #allocate} at a unit that is a multiple of {@code alignUnits} (a power of two). */
    long allocateAligned(Page page, int units, int sizeClass, int alignUnits) {
        return allocate(page, units, sizeClass, alignUnits, null, null, 0);
    }

    /**
     * A block of {@code units} units for class {@code sizeClass} at a unit that is a multiple of {@code alignUnits}
     * (1: any unit, by the free runs' first fit), or 0; and in the same hold of the lock up to {@code wanted} more
     * blocks of the class (gathered in {@code stock}) for {@code cache}, the owner's, which keeps them for its next
     * allocations ({@link ExtentCache#stock}). A null {@code cache} (a stripe's allocation, an aligned one) keeps
     * none, and {@code wanted} is 0.
     *
     * <p>One method on purpose, of more bytecode than C2 inlines at a hot call site ({@code FreqInlineSize}, 325
     * bytes), as {@link #liveBlock} is: inlined into {@link Extents}' walk, this locked allocation with its bitmaps,
     * {@link FreeRuns} and the cache's stocking made the walk's compile take 13.9 MB of the JIT's arena, where the
     * two compiled apart take about 5 each, and glibc-thread's process peaked 5 MiB higher (docs/BENCHMARKS.md,
     * thirty-ninth session). And one loop, so that one copy of the run search is compiled: with two, compiling the
     * walk took 13 MB where it took 4 (twenty-fourth session). {@code SlowPathInliningTest} keeps the size.
     */
    synchronized long allocate(Page page, int units, int sizeClass, int alignUnits, ExtentCache cache, long[] stock,
            int wanted) {
        if (cache != null && !cache.belongsTo(page.heap)) {
            return 0;           // the page went to the heap of the thread that emptied it (Extents.handsTo)
        }
        // Blocks of the class that other threads freed go out again as they are, no units given back and taken, as
        // many as the class has room for: they are free blocks of the class already (a consumer's chain of them)
        int kept = takeRemoteFrees(page, sizeClass, stock, stock == null ? 0
                : cache == null ? 1 : Math.min(stock.length, 1 + cache.stockRoom(sizeClass, false)));
        long block = kept > 0 ? stock[--kept] : 0;
        int stocked = kept;
        while (stocked < wanted || block == 0) {
            if (released || freeUnits < units) {
                break;
            }
            int first = -1;
            if (alignUnits == 1) {
                first = freeRuns.take(units);
            } else {
                for (int at = 0; at + units <= COUNT; at += alignUnits) {      // first fit at aligned units
                    if (!anySet(used, at, units)) {
                        freeRuns.takeAt(previousSet(used, at) + 1, at, units);
                        first = at;
                        break;
                    }
                }
            }
            if (first < 0) {
                break;
            }
            setRange(used, first, units);
            setRange(touched, first, units);
            set(starts, first);
            lengths[first] = (short) units;
            classes[first] = (short) sizeClass;
            freeUnits -= units;
            if (liveBlocks++ == 0) {
                page.heap.emptyExtentPages.decrementAndGet();
            }
            long taken = page.start + ((long) first << UNIT_SHIFT);
            if (block == 0) {
                block = taken;
            } else {
                stock[stocked++] = taken;
            }
        }
        if (stocked > 0) {
            cache.stock(sizeClass, stock, stocked);
        }
        roomShrank(page);           // also after a walk found no run long enough: its room read stale
        return block;
    }

    /**
     * Grows the live block at {@code address} of {@code page} in place to {@code units} units of class
     * {@code sizeClass}, when the units right after it are free: {@code realloc} of a growing buffer then copies
     * nothing, as glibc's grows a chunk into the free one after it. False, having changed nothing, otherwise.
     */
    synchronized boolean growInPlace(Page page, long address, int units, int sizeClass) {
        long offset = address - page.start;
        int unit = (int) (offset >>> UNIT_SHIFT);
        if (released || (offset & (UNIT - 1)) != 0 || !get(starts, unit)) {
            return false;
        }
        int after = unit + lengths[unit];
        int extra = units - lengths[unit];
        if (extra <= 0 || after + extra > COUNT || anySet(used, after, extra) || ExtentCache.holds(address)) {
            return false;
        }
        freeRuns.takeAt(after, after, extra);       // the run of free units starts right after the block
        setRange(used, after, extra);
        setRange(touched, after, extra);
        lengths[unit] = (short) units;
        classes[unit] = (short) sizeClass;
        freeUnits -= extra;
        roomShrank(page);
        return true;
    }

    /**
     * Frees the block at {@code address} of {@code page}, after checking that it is one; returns whether the page
     * is now empty.
     */
    boolean free(Page page, long address) {
        return liveBlock(page, address, FREE) == 0;
    }

    /** The usable size of the live block at {@code address}, after checking that it is one. */
    long usableSize(Page page, long address) {
        return liveBlock(page, address, SIZE);
    }

    /** What {@link #liveBlock} does with the block it finds. */
    private static final int SIZE = 0;
    private static final int FREE = 1;
    /** Frees a block of the remote list, whose first word is its link by design ({@link #takeRemoteFrees}). */
    private static final int TAKE_IN = 2;

    /**
     * Finds the live block starting at {@code address}, or throws what {@code address} is instead (a pointer into a
     * free page, a block the owner's cache holds or that was freed before, an interior pointer, a unit never handed
     * out); then frees it and returns the live blocks left in the page ({@link #FREE}, {@link #TAKE_IN}), or returns
     * its usable size ({@link #SIZE}). It takes the lock itself, so that the monitor's code stays out of the callers
     * too.
     *
     * <p>One method on purpose, of more bytecode than C2 inlines at a hot call site ({@code FreqInlineSize}, 325
     * bytes). Inlined, this locked free with its bitmaps and {@link FreeRuns} made the machine code of
     * {@link Heap}'s free about 7 KB, beyond what C2 inlines into a caller ({@code InlineSmallCode}, 2,500 bytes),
     * so programs that free many extents (rptest) called free instead of inlining it; without this, 2.1 KB
     * (docs/BENCHMARKS.md, twenty-first session). {@code SlowPathInliningTest} keeps the size above the limit.
     */
    private synchronized long liveBlock(Page page, long address, int what) {
        if (released) {
            throw new InvalidFreeException(address, "not a live block (its page is free: double free or stale "
                    + "pointer)");
        }
        long offset = address - page.start;
        int unit = (int) (offset >>> UNIT_SHIFT);
        if ((offset & (UNIT - 1)) != 0 || !get(starts, unit)) {
            if (get(used, unit)) {
                for (int u = unit; u >= 0 && get(used, u); u--) {
                    if (get(starts, u)) {
                        return interior(address, page.start + ((long) u << UNIT_SHIFT), lengths[u]);
                    }
                }
            }
            // Not in a live block: a freed block's start is a double free (a later block over it was looked at above)
            if ((offset & (UNIT - 1)) == 0 && get(freedStarts, unit)) {
                throw new InvalidFreeException(address, DOUBLE_FREE);
            }
            throw new InvalidFreeException(address, NOT_ALLOCATED);
        }
        if (what != TAKE_IN && ExtentCache.holds(address)) {
            throw new InvalidFreeException(address, DOUBLE_FREE);   // a cache or the remote list holds it
        }
        int units = lengths[unit];
        if (what == SIZE) {
            return (long) units << UNIT_SHIFT;
        }
        clearRange(used, unit, units);
        int before = freeRuns.highestBin();
        freeRuns.giveBack(unit, units, unit > 0 && !get(used, unit - 1),
                unit + units < COUNT && !get(used, unit + units));
        roomGrew(page, before);
        clear(starts, unit);
        classes[unit] = NONE;
        set(freedStarts, unit);
        freeUnits += units;
        if (--liveBlocks == 0) {
            page.heap.emptyExtentPages.incrementAndGet();
        }
        return liveBlocks;
    }

    /**
     * Another thread's free of the block at {@code address} of {@code page}, without the lock: when it is a live
     * block's start whose first word is no free list's link, the block goes onto the page's remote list with one
     * CAS, its link encoded in its first word as a cached block's is, so a second free of it is caught as one of a
     * cached block is ({@link ExtentCache#holds}); returns the blocks in the list then. -1, having done nothing,
     * otherwise: the locked free then says exactly what the address is. Two threads freeing one block at the very
     * same moment can both pass, as on small pages (docs/RELIABILITY.md section 5).
     */
    int freeRemotely(Page page, long address) {
        if (remotelyFreeableClassAt(page, address) == NONE) {
            return -1;
        }
        return pushRemotely(page, address, address, 1, lengths[(int) ((address - page.start) >>> UNIT_SHIFT)]);
    }

    /**
     * The class of the block at {@code address} when another thread may free it without the lock: a live block's
     * start whose first word is no list's link; {@link #NONE} otherwise, for the locked free to say what it is.
     */
    int remotelyFreeableClassAt(Page page, long address) {
        int sizeClass = liveClassAt(page, address);
        return sizeClass == NONE || ExtentCache.holds(address) ? NONE : sizeClass;
    }

    /**
     * Pushes the chain {@code head .. tail} of {@code count} live blocks of {@code units} units each or fewer, checked
     * by another thread as {@link #freeRemotely} checks one and linked as its list is (the tail's link about to be
     * set), onto the page's remote list with one CAS; returns the blocks in the list then.
     */
    int pushRemotely(Page page, long head, long tail, int count, int units) {
        long old;
        do {
            old = page.threadFree;
            Memory.putLong(tail, Page.encode(old & Page.ADDRESS_MASK, tail));
        } while (!page.casThreadFree(old, ((old >>> Page.COUNT_SHIFT) + count) << Page.COUNT_SHIFT | head));
        if (old == 0) {
            // A page with a remote list may serve (mayHold): at least these blocks' length, taken in with the list
            page.heap.extentPages.gainedRoom(page, ExtentPages.REMOTE, -1, FreeRuns.binOf(units));
        }
        return (int) (old >>> Page.COUNT_SHIFT) + count;
    }

    /** The live blocks (those in the remote list among them), read without the lock. */
    int liveBlocksRacy() {
        return liveBlocks;
    }

    /** {@link #takeRemoteFrees(Page, int, long[], int)}, keeping none. */
    private void takeRemoteFrees(Page page) {
        takeRemoteFrees(page, NONE, null, 0);
    }

    /**
     * Takes in the blocks other threads freed since the last time ({@link #freeRemotely}); under the lock. Up to
     * {@code max} blocks of class {@code sizeClass} stay live, gathered in {@code keep} for the caller to hand out;
     * the others' units are given back. Returns how many were kept. A link that leads to no live block's start of
     * this page means the program wrote into the block after freeing it: that block is free already, and the blocks
     * behind it in the list stay live, never handed out again.
     */
    private int takeRemoteFrees(Page page, int sizeClass, long[] keep, int max) {
        if (page.threadFree == 0 || released) {
            return 0;
        }
        long word = page.takeThreadFree();
        long block = word & Page.ADDRESS_MASK;
        int kept = 0;
        for (int n = (int) (word >>> Page.COUNT_SHIFT); n > 0; n--) {
            int unit = liveUnitAt(page, block);
            if (unit < 0) {
                break;                  // the head, freed under the lock too by a free that raced with its push
            }
            long next = Page.decode(Memory.getLong(block), block);
            if (kept < max && classes[unit] == sizeClass) {
                keep[kept++] = block;
            } else {
                liveBlock(page, block, TAKE_IN);    // the lock again, held already: one copy of the free's code
            }
            if (n > 1 && liveUnitAt(page, next) < 0) {
                extents.discardWrittenBlock(block);
                break;
            }
            block = next;
        }
        roomShrank(page);           // no remote list now
        return kept;
    }

    /** The unit where the live block starting at {@code address} of {@code page} starts; -1 if none does. */
    private int liveUnitAt(Page page, long address) {
        long offset = address - page.start;
        int unit = (int) (offset >>> UNIT_SHIFT);
        return offset >= 0 && offset < (long) COUNT << UNIT_SHIFT && (offset & (UNIT - 1)) == 0 && get(starts, unit)
                ? unit : -1;
    }

    /**
     * Takes in the blocks other threads freed; returns whether that emptied the page (for the maintenance pass,
     * which then gives it back as a free that empties it would).
     */
    synchronized boolean takeRemoteFreesEmptied(Page page) {
        if (page.threadFree == 0 || released) {
            return false;
        }
        takeRemoteFrees(page);
        return liveBlocks == 0;
    }

    private static int interior(long address, long block, int units) {
        throw new InvalidFreeException(address, "an interior pointer (inside the " + ((long) units << UNIT_SHIFT)
                + "-byte block at 0x" + Long.toHexString(block) + ")");
    }

    /**
     * The size class of the live block starting at {@code address}, for the owner to keep it in its
     * {@link ExtentCache} without the lock; {@link #NONE} when {@code address} is not a live block's start, for
     * the locked free to say exactly what it is. Reads what others change only under the lock: the class of a
     * live block the caller holds does not change under it.
     */
    int liveClassAt(Page page, long address) {
        long offset = address - page.start;
        if ((offset & (UNIT - 1)) != 0 || offset >= (long) COUNT << UNIT_SHIFT || released) {
            return NONE;
        }
        return classes[(int) (offset >>> UNIT_SHIFT)];
    }

    boolean isReleased() {
        return released;
    }

    /**
     * Marks the page released (under its owner's lock) if it is still empty and no purge of its units is under way;
     * then nothing is allocated from it.
     */
    synchronized boolean releaseIfEmpty(Page page) {
        if (!mayLeave(page)) {
            return false;
        }
        released = true;
        page.heap.emptyExtentPages.decrementAndGet();
        roomShrank(page);
        return true;
    }

    /**
     * Moves {@code page}, when it has no live block, from its heap to {@code heap} (under {@link Extents}' lock),
     * counted among that heap's empty pages; returns whether it did. Its old heap's walk may still hold it: its
     * allocations here are refused from now on ({@link #allocate}).
     */
    synchronized boolean movesTo(Page page, Heap heap) {
        if (!mayLeave(page)) {
            return false;
        }
        page.heap.emptyExtentPages.decrementAndGet();
        joins(page, heap);
        return true;
    }

    /**
     * Whether the page, its remote list taken in, holds no live block and no purge under way, so that it may leave
     * its heap; under the lock.
     */
    private boolean mayLeave(Page page) {
        takeRemoteFrees(page);
        return liveBlocks == 0 && !released && purgesUnderWay == 0;
    }

    synchronized void markReleased(Page page) {
        if (!released && liveBlocks == 0) {
            page.heap.emptyExtentPages.decrementAndGet();
        }
        released = true;
    }

    /**
     * {@code page} joins {@code heap} (under {@link Extents}' lock): a fresh page, counted among the heap's empty
     * pages, or one an ended thread's heap left, which the caller has just allocated from. Under this lock too, so
     * that the count and the page's blocks agree.
     */
    synchronized void joins(Page page, Heap heap) {
        boolean empty = liveBlocks == 0 && !released;
        page.heap = heap;
        if (empty) {
            heap.emptyExtentPages.incrementAndGet();
        }
    }

    /**
     * Takes the runs of free units to give back to the OS: those not handed out since the previous pass, at least
     * {@code delayNanos} ago (every free unit that may be resident with {@code force}). They count as used until
     * {@link #purged}, so no block takes them while the OS drops their memory. Returns {first unit, count} pairs.
     */
    synchronized int[] takeIdleRuns(Page page, long now, long delayNanos, boolean force) {
        takeRemoteFrees(page);
        if (released || (!force && now - lastPass < delayNanos)) {
            return null;
        }
        long[] due = new long[WORDS];
        for (int w = 0; w < WORDS; w++) {
            due[w] = wholeOsPages((force ? dirty[w] | touched[w] : dirty[w] & ~touched[w]) & ~used[w]);
            dirty[w] = (dirty[w] | touched[w]) & ~due[w];
            touched[w] = 0;
        }
        lastPass = now;
        int[] runs = new int[16];
        int n = 0;
        int u = 0;
        while (u < COUNT) {
            if (!get(due, u)) {
                u++;
                continue;
            }
            int first = u;
            while (u < COUNT && get(due, u)) {
                u++;
            }
            if (n + 2 > runs.length) {
                runs = java.util.Arrays.copyOf(runs, runs.length * 2);
            }
            runs[n++] = first;
            runs[n++] = u - first;
            setRange(used, first, u - first);
        }
        if (n == 0) {
            return null;
        }
        freeRuns.rebuild(used);
        roomShrank(page);
        purgesUnderWay++;
        return java.util.Arrays.copyOf(runs, n);
    }

    /** The units of {@code bits} that lie in OS pages all of whose units are in {@code bits}. */
    private static long wholeOsPages(long bits) {
        long groups = bits;
        for (int i = 1; i < UNITS_PER_OS_PAGE; i++) {
            groups &= bits >>> i;
        }
        groups &= GROUP_STARTS;
        long whole = groups;
        for (int i = 1; i < UNITS_PER_OS_PAGE; i++) {
            whole |= groups << i;
        }
        return whole;
    }

    /** Bit i set where unit i starts an OS page. */
    private static final long GROUP_STARTS = groupStarts();

    private static long groupStarts() {
        long starts = 0;
        for (int i = 0; i < 64; i += UNITS_PER_OS_PAGE) {
            starts |= 1L << i;
        }
        return starts;
    }

    /** Gives back to allocation the runs {@link #takeIdleRuns} took, their memory now dropped. */
    synchronized void purged(Page page, int[] runs) {
        purgesUnderWay--;
        for (int i = 0; i < runs.length; i += 2) {
            clearRange(used, runs[i], runs[i + 1]);
        }
        int before = freeRuns.highestBin();
        freeRuns.rebuild(used);
        roomGrew(page, before);
    }

    /**
     * Adds the live blocks per size class to {@code live}, and the blocks and their bytes to {@code totals[0]} and
     * {@code totals[1]}, in one hold of the lock so the three agree.
     */
    synchronized void countLive(Page page, long[] live, long[] totals) {
        takeRemoteFrees(page);
        for (int w = 0; w < WORDS; w++) {
            long bits = starts[w];
            while (bits != 0) {
                int u = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (classes[u] >= 0 && classes[u] < live.length) {
                    live[classes[u]]++;
                }
                totals[0]++;
                totals[1] += (long) lengths[u] << UNIT_SHIFT;
            }
        }
    }
}
