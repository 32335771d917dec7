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
 * <p>Bounded: per class {@link #CLASS_BYTES} (at least {@link #MIN_PER_CLASS} and at most {@link #MAX_PER_CLASS}
 * blocks), {@link #MAX_BYTES} in all. A full class hands its older half to their pages; past the total, every
 * class does. The rest go back when the thread trims and when it ends. Owner only; statistics read it racily.
 */
final class RemoteFreeCache {

    /** The largest block kept; a CAS is nothing beside what a program does with a bigger block. */
    static final int MAX_BLOCK = 1024;
    static final int CLASS_BYTES = 8 * 1024;
    static final int MIN_PER_CLASS = 8;
    static final int MAX_PER_CLASS = 128;
    static final long MAX_BYTES = 64 * 1024;

    private final Engine engine;
    /** Per class: where its count is in {@link #slots} (its addresses follow, oldest first), or -1. */
    private final int[] base;
    private final int[] capacity;
    private final int[] blockSize;
    private final int slotCount;
    private long[] slots;           // made on the first remote free: most threads never free another's block
    private long bytes;

    RemoteFreeCache(Engine engine, SizeClasses classes) {
        this.engine = engine;
        int n = classes.count();
        this.base = new int[n];
        this.capacity = new int[n];
        this.blockSize = new int[n];
        int next = 0;
        for (int c = 0; c < n; c++) {
            int size = classes.blockSize(c);
            blockSize[c] = size;
            if (size > MAX_BLOCK) {
                base[c] = -1;
                continue;
            }
            capacity[c] = Math.clamp(CLASS_BYTES / size, MIN_PER_CLASS, MAX_PER_CLASS);
            base[c] = next;
            next += 1 + capacity[c];
        }
        this.slotCount = next;
    }

    /** Whether blocks of {@code sizeClass} are kept here. */
    boolean serves(int sizeClass) {
        return base[sizeClass] >= 0;
    }

    /**
     * Keeps the block at {@code address}, checked as a live block of another heap's {@code page} of a class this
     * cache {@link #serves}, making room first by handing older blocks back to their pages.
     */
    void offer(Page page, long address) {
        long[] s = slots;
        if (s == null) {
            s = slots = new long[slotCount];
        }
        int sizeClass = page.sizeClass;
        int at = base[sizeClass];
        int n = (int) s[at];
        if (n == capacity[sizeClass]) {
            handBack(sizeClass, n / 2);
            n = (int) s[at];
        } else if (bytes + blockSize[sizeClass] > MAX_BYTES) {
            flush();
            n = 0;
        }
        Memory.putLong(address, Page.encode(0, address));   // free: a second free of it is a double free
        s[at + 1 + n] = address;
        s[at] = n + 1;
        bytes += blockSize[sizeClass];
    }

    /** The newest kept block of {@code sizeClass}, live again; 0 when there is none. */
    long poll(int sizeClass) {
        long[] s = slots;
        int at = base[sizeClass];
        if (s == null || at < 0) {
            return 0;
        }
        for (int n = (int) s[at]; n > 0; n--) {
            long block = s[at + n];
            s[at] = n - 1;
            bytes -= blockSize[sizeClass];
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
        if (slots == null) {
            return;
        }
        for (int c = 0; c < base.length; c++) {
            if (base[c] >= 0 && slots[base[c]] > 0) {
                handBack(c, (int) slots[base[c]]);
            }
        }
    }

    /**
     * Hands the {@code count} oldest blocks of {@code sizeClass} back to their pages: each run of blocks of one
     * page, linked as a free list, with one CAS.
     */
    private void handBack(int sizeClass, int count) {
        long[] s = slots;
        int at = base[sizeClass];
        int n = (int) s[at];
        Page runPage = null;
        long head = 0;
        long tail = 0;
        int run = 0;
        for (int i = 1; i <= count; i++) {
            long block = s[at + i];
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
        System.arraycopy(s, at + 1 + count, s, at + 1, n - count);
        s[at] = n - count;
        bytes -= (long) count * blockSize[sizeClass];
    }

    /** Blocks kept, and their bytes (racy outside the owner). */
    long bytes() {
        return bytes;
    }

    /** Calls {@code action} with each kept block (racy outside the owner: for statistics only). */
    void forEach(java.util.function.LongConsumer action) {
        long[] s = slots;
        if (s == null) {
            return;
        }
        for (int c = 0; c < base.length; c++) {
            int at = base[c];
            if (at < 0) {
                continue;
            }
            int n = Math.min((int) s[at], capacity[c]);
            for (int i = 1; i <= n; i++) {
                long block = s[at + i];
                if (block != 0) {
                    action.accept(block);
                }
            }
        }
    }
}
