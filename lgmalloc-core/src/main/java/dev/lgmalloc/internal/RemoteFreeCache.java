package dev.lgmalloc.internal;

import dev.lgmalloc.SizeClasses;

/**
 * Blocks of other threads' pages that this thread freed, kept for its own next allocations of their class, as
 * jemalloc's and tcmalloc's thread caches keep whatever their thread frees. A thread that frees blocks another
 * thread allocated (a server's worker freeing what the acceptor made, larson's heirs freeing their predecessors'
 * tables) then reuses them, hot in its own cache, instead of filling fresh pages while the blocks wait in their
 * owner's pages; and the blocks it does not reuse go back to their pages in batches, one CAS per run of blocks of
 * one page, so the page's remote-free word stops bouncing between cores on every free.
 *
 * <p>A block here is still counted in its page's {@code used}, so its page is never released under it. Its first
 * word holds the encoded end-of-list link ({@code Page.encode(0, address)}), which is what a free block of any
 * list holds: a second free of it, by any thread, is caught as a double free, and a write into it after its free
 * is caught when the block leaves the cache. The addresses are in one Java array, never linked through the
 * blocks, since blocks of one class come from many pages and a free-list link never leaves its page.
 *
 * <p>Bounded: per class {@link #CLASS_BYTES} of blocks (at least {@link #MIN_PER_CLASS}, at most
 * {@link #MAX_PER_CLASS}), about 128 KiB over all classes. A full class hands all its blocks back; the rest go back
 * when the thread trims and when it ends. Owner only; statistics read it racily.
 *
 * <p>Lean on purpose: the free that keeps a block reads the block (the double-free check) from another core's
 * cache, and only as many frees overlap those misses as fit the processor's reorder window. Counts in an array of
 * their own, a fixed stride per class and no running byte total made it 12-14 ns a block where a denser layout
 * (counts beside the addresses, a byte total) cost 18-22 (docs/BENCHMARKS.md).
 */
final class RemoteFreeCache {

    /** The largest block a thread keeps: bigger ones go back to their pages in chains ({@link DeferredFrees}). */
    static final int MAX_BLOCK = 1024;
    static final int CLASS_BYTES = 4 * 1024;
    static final int MIN_PER_CLASS = 4;
    static final int MAX_PER_CLASS = 64;

    private final Engine engine;
    /** Per class: how many blocks it may keep (0: none), how many it keeps. */
    private final int[] capacity;
    private final int[] count;
    /**
     * Per class: whether this thread reuses what it keeps. Set by its allocation slow path of the class, cleared
     * when the class fills without being drawn from: a thread that only frees the class (a consumer) then gathers
     * chains, which cost it less per block.
     */
    private final boolean[] reusing;
    /** Per class, {@link #MAX_PER_CLASS} slots, oldest first; made on the first remote free. */
    private long[] addresses;

    RemoteFreeCache(Engine engine, SizeClasses classes) {
        this.engine = engine;
        int n = classes.count();
        this.capacity = new int[n];
        this.count = new int[n];
        this.reusing = new boolean[n];
        for (int c = 0; c < n; c++) {
            int size = classes.blockSize(c);
            capacity[c] = size > MAX_BLOCK ? 0
                    : Math.clamp(CLASS_BYTES / size, MIN_PER_CLASS, MAX_PER_CLASS);
        }
    }

    /** Whether a block of {@code sizeClass} freed by this thread should be kept here rather than gathered. */
    boolean keeps(int sizeClass) {
        return reusing[sizeClass];
    }

    /**
     * Keeps the block at {@code address}, checked as a live block of another heap's {@code page} of a class of
     * {@link #MAX_BLOCK} bytes or less; when its class is full, hands that class's blocks back first.
     */
    void offer(Page page, long address) {
        long[] a = addresses;
        if (a == null) {
            a = addresses = new long[capacity.length * MAX_PER_CLASS];
        }
        int sizeClass = page.sizeClass;
        int n = count[sizeClass];
        if (n == capacity[sizeClass]) {
            handBack(sizeClass);
            reusing[sizeClass] = false;     // filled with no allocation drawing on it: gather until there is one
            n = 0;
        }
        Memory.putLong(address, Page.encode(0, address));   // free: a second free of it is a double free
        a[sizeClass * MAX_PER_CLASS + n] = address;
        count[sizeClass] = n + 1;
    }

    /** The newest kept block of {@code sizeClass}, live again; 0 when there is none. The thread allocates it. */
    long poll(int sizeClass) {
        reusing[sizeClass] = capacity[sizeClass] != 0;
        for (int n = count[sizeClass]; n > 0; n--) {
            long block = addresses[sizeClass * MAX_PER_CLASS + n - 1];
            count[sizeClass] = n - 1;
            if (Memory.getLong(block) == Page.encode(0, block)) {
                Memory.putLong(block, 0);       // a live block's first word must not decode to a link
                return block;
            }
            engine.discardWrittenBlock(block);  // written after its free: never handed out again
        }
        return 0;
    }

    /** Hands every kept block back to its page (by the owner, or once it has ended by whoever abandons its heap). */
    void flush() {
        for (int c = 0; c < count.length; c++) {
            if (count[c] > 0) {
                handBack(c);
            }
        }
    }

    /** Hands the blocks of {@code sizeClass} back to their pages: each run of one page, linked, with one CAS. */
    private void handBack(int sizeClass) {
        long[] a = addresses;
        int first = sizeClass * MAX_PER_CLASS;
        int n = count[sizeClass];
        count[sizeClass] = 0;
        Page runPage = null;
        long head = 0;
        long tail = 0;
        int run = 0;
        for (int i = first; i < first + n; i++) {
            long block = a[i];
            if (Memory.getLong(block) != Page.encode(0, block)) {
                engine.discardWrittenBlock(block);
                continue;
            }
            Page page = PageMap.lookup(block);
            if (page != runPage) {
                if (run > 0) {
                    Heap.pushRemote(runPage, head, tail, run);
                }
                runPage = page;
                tail = block;
                head = 0;
                run = 0;
            }
            Memory.putLong(block, Page.encode(head, block));
            head = block;
            run++;
        }
        if (run > 0) {
            Heap.pushRemote(runPage, head, tail, run);
        }
    }

    /** Calls {@code action} with each kept block (racy outside the owner: for statistics only). */
    void forEach(java.util.function.LongConsumer action) {
        long[] a = addresses;
        if (a == null) {
            return;
        }
        for (int c = 0; c < count.length; c++) {
            int n = Math.min(count[c], MAX_PER_CLASS);
            for (int i = c * MAX_PER_CLASS; i < c * MAX_PER_CLASS + n; i++) {
                if (a[i] != 0) {
                    action.accept(a[i]);
                }
            }
        }
    }
}
