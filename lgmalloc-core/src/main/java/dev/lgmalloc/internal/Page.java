package dev.lgmalloc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A run of chunks holding blocks of one size class, or one large block with its own mapping.
 *
 * <p>Free blocks are linked through their first word. Two lists keep the owner's path free of atomics:
 * {@code free} (the owner allocates from it and pushes its own frees onto it) and {@code threadFree} (other
 * threads' frees, pushed with one CAS, collected by the owner when {@code free} runs dry). Untouched blocks lie
 * above {@code bump}, so a new page touches no memory until it is used; the malloc that reaches an untouched OS
 * page links the blocks starting in it into {@code free} (Heap.linkUntouched), so they are free, never live, before
 * they go out. A free block's first word holds its link encoded as {@code next ^ address ^ FREED_KEY}, and malloc
 * zeroes it: a block whose first word decodes to a link into its own page (or to the end of a list) is already
 * free. That finds double frees without a bitmap and with one load and one store per free, and a stray write into
 * a free block shows up as a link leaving its page.
 *
 * <p>{@code threadFree} packs the number of blocks in the list (high 16 bits) with the list head (low 48
 * bits), so statistics can count pending remote frees without walking the list.
 */
public final class Page extends PageLayout.ReadOnFree {

    /**
     * Mixed into every free-list link; random per process, so live data decodes to a link with odds of 2^-48.
     * From {@code ThreadLocalRandom}, seeded as {@code SplittableRandom} is, but loaded with the JDK already:
     * {@code SplittableRandom}'s classes cost the first malloc of a fresh JVM about 1.5 ms.
     */
    public static final long FREED_KEY = java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1L;

    static final long ADDRESS_MASK = (1L << 48) - 1;
    static final int COUNT_SHIFT = 48;
    private static final int MAGIC_SHIFT = 40;

    /** Where the page is: in a heap's lists, orphaned by a dead thread, or back in its segment. */
    static final int IN_HEAP = 0;
    static final int ORPHANED = 1;
    static final int RELEASED = 2;
    static final int LARGE_LIVE = 3;
    static final int LARGE_FREED = 4;
    /** Its free list was found corrupted: never allocated from or released again (see Heap.quarantine). */
    static final int QUARANTINED = 5;
    /** Not memory: the head of a heap's list of cached extents of one class ({@link ExtentCache}). */
    static final int CACHE_LIST = 6;

    /**
     * The bits a link between cached extents must have clear, as {@link Heap#malloc}'s pop checks them: extents
     * start on 1 KiB units, in the 47-bit user space. A link a stray write left passes with odds of 2^-27.
     */
    static final long EXTENT_LINK_MASK = ~((1L << PageMap.ADDRESS_BITS) - 1) | (Units.UNIT - 1);

    // What every free reads (start, alignMask, divMagic, blockSize, sizeClass, units, large; heap, bump, state)
    // is in PageLayout.ReadOnFree, on lines of its own; the rest is read on slower paths.
    final Segment segment;        // null for a large block
    final int firstChunk;
    final long end;               // exclusive
    final long mappedSize;        // large blocks: the size of their mapping
    final LargeBlocks largePool;  // large blocks: where they are freed
    volatile boolean full;        // read by remote frees, to tell the owner that a full page has room again
    /** While orphaned: the id of the thread that last freed a block of it (racy; a preference, not a claim). */
    long lastFreer;
    /**
     * A cache list ({@link #extentCacheList}): how many blocks it may hold (0 in other pages; its {@code blockSize} is
     * their bytes), and its {@code used} when ExtentCache last counted its bytes; here so that the owner's free
     * reads one object.
     */
    final int cacheLimit;
    int cacheUsedSeen;
    /** An extent page's place in its heap's {@link ExtentPages}, set when that set is made (a hint: check it). */
    int extentIndex;

    private static final VarHandle THREAD_FREE;
    private static final VarHandle STATE;
    private static final VarHandle USED;

    static {
        try {
            THREAD_FREE = MethodHandles.lookup().findVarHandle(PageLayout.RemoteWord.class, "threadFree", long.class);
            STATE = MethodHandles.lookup().findVarHandle(PageLayout.ReadOnFree.class, "state", int.class);
            USED = MethodHandles.lookup().findVarHandle(PageLayout.OwnerState.class, "used", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A small-block page. */
    Page(Segment segment, int firstChunk, int chunks, int sizeClass, int blockSize) {
        this(segment, firstChunk, chunks, sizeClass, blockSize, null);
    }

    /** An extent page: blocks of any size from 8 KiB, shared by the allocator's threads ({@link Extents}). */
    static Page extents(Segment segment, int firstChunk, int chunks, Extents extents) {
        return new Page(segment, firstChunk, chunks, EXTENT_CLASS, 0, new Units(extents));
    }

    /** The size class of extent pages: blocks of many classes. */
    static final int EXTENT_CLASS = -2;

    private Page(Segment segment, int firstChunk, int chunks, int sizeClass, int blockSize, Units units) {
        super(segment.base + ((long) firstChunk << PageMap.CHUNK_SHIFT), -((long) chunks << PageMap.CHUNK_SHIFT),
                blockSize == 0 ? 0 : ((1L << MAGIC_SHIFT) + blockSize - 1) / blockSize, blockSize, sizeClass, units,
                false);
        this.segment = segment;
        this.firstChunk = firstChunk;
        this.end = start - alignMask;
        this.linkMask = alignMask;
        this.mappedSize = 0;
        this.largePool = null;
        this.cacheLimit = 0;
        this.bump = start;            // extents are never bump-allocated: the owner's free check sends them on
        this.state = IN_HEAP;
        if (units != null) {
            this.heap = Heap.NO_OWNER;    // until a heap adopts it (Extents)
        }
    }

    /** A large block of {@code mappedSize} bytes at {@code start}. */
    Page(long start, long mappedSize, LargeBlocks pool) {
        super(start, 0, 0, 0, -1, null, true);
        this.segment = null;
        this.firstChunk = 0;
        this.end = start + mappedSize;
        this.mappedSize = mappedSize;
        this.largePool = pool;
        this.cacheLimit = 0;
        this.bump = end;
        this.state = LARGE_LIVE;
        this.heap = Heap.NO_OWNER;
    }

    /** A page that is never usable: the initial "current page" of every class, so the fast path needs no null check. */
    static Page exhausted() {
        return new Page();
    }

    /**
     * The list of a heap's cached extents of class {@code sizeClass}, which the heap keeps as the class's current
     * page: malloc pops it as a small page's free list; its {@code used} is minus the blocks it holds.
     */
    static Page extentCacheList(int sizeClass, int blockSize, int limit) {
        Page list = new Page(sizeClass, blockSize, limit);
        list.linkMask = EXTENT_LINK_MASK;
        list.state = CACHE_LIST;
        return list;
    }

    boolean isCacheList() {
        return state == CACHE_LIST;
    }

    private Page() {
        this(-1, 0, 0);
    }

    private Page(int sizeClass, int blockSize, int cacheLimit) {
        super(0, 0, 0, blockSize, sizeClass, null, false);
        this.segment = null;
        this.firstChunk = 0;
        this.end = 0;
        this.mappedSize = 0;
        this.largePool = null;
        this.cacheLimit = cacheLimit;
        this.heap = Heap.NO_OWNER;
        this.state = RELEASED;
    }

    boolean isLarge() {
        return large;
    }

    int capacity() {
        return blockSize == 0 ? 0 : (int) ((end - start) / blockSize);
    }

    /** Blocks freed by other threads and not yet collected by the owner. */
    int pendingRemoteFrees() {
        return (int) (threadFree >>> COUNT_SHIFT);
    }

    /**
     * Why {@code address} cannot be a live block start of this page, or null if it can be. The check is exact
     * for the owner; another thread may read a stale {@code bump}, which only errs towards "never allocated"
     * for blocks it could not legitimately hold.
     */
    String invalidBlockReason(long address) {
        long offset = address - start;
        if (offset < 0 || address >= bump) {
            return "not an allocated block (inside an lgmalloc page but never handed out)";
        }
        if (((offset * divMagic) >>> MAGIC_SHIFT) * blockSize != offset) {
            return "an interior pointer (not the start of a " + blockSize + "-byte block)";
        }
        return null;
    }

    /** Whether {@code offset} (below 1 MiB) is a multiple of the block size. */
    boolean isBlockOffset(long offset) {
        return ((offset * divMagic) >>> MAGIC_SHIFT) * blockSize == offset;
    }

    /** The first word of a free block at {@code address} whose successor in its list is {@code next} (0: none). */
    static long encode(long next, long address) {
        return next ^ address ^ FREED_KEY;
    }

    /** The successor that the first word {@code word} of the free block at {@code address} links to. */
    static long decode(long word, long address) {
        return word ^ address ^ FREED_KEY;
    }

    /** Whether the block at {@code address} holds an encoded free-list link of this page, i.e. is free. */
    boolean looksFree(long address) {
        return isFreeLink(Memory.getLong(address), address);
    }

    /** Whether {@code word}, read from the block at {@code address}, is a free-list link of this page. */
    boolean isFreeLink(long word, long address) {
        long link = decode(word, address);
        return link == 0 || linksInside(link);
    }

    /** Whether a decoded, non-zero free-list link points into this page (malloc's fast path uses linkMask instead). */
    boolean linksInside(long link) {
        return (link & alignMask) == start;
    }

    /** Sets {@code used} with a release store: what the owner wrote before is visible to whoever reads it after. */
    void setUsed(int value) {
        USED.setRelease(this, value);
    }

    int usedAcquire() {
        return (int) USED.getAcquire(this);
    }

    boolean casThreadFree(long expected, long value) {
        return THREAD_FREE.compareAndSet(this, expected, value);
    }

    long takeThreadFree() {
        return (long) THREAD_FREE.getAndSet(this, 0L);
    }

    boolean casState(int expected, int value) {
        return STATE.compareAndSet(this, expected, value);
    }
}
