package dev.lgmalloc.internal;

/**
 * Finds the page of any address in two loads: a radix table keyed by the address's 64 KiB chunk number.
 *
 * <p>The map is process-wide, since an address belongs to at most one page whichever allocator made it.
 * Writers hold {@code PageMap.class}'s monitor; readers take no lock: a block's page is written before the block
 * is first handed out, so any thread that legitimately holds the block sees it.
 */
public final class PageMap {

    /** Log2 of the chunk size: pages are made of 64 KiB chunks. */
    public static final int CHUNK_SHIFT = 16;
    public static final long CHUNK_SIZE = 1L << CHUNK_SHIFT;

    private static final int LEAF_BITS = 16;                   // one leaf covers 4 GiB
    /** The user address space lgmalloc maps in: 47 bits, as Linux gives without a hint above it. */
    static final int ADDRESS_BITS = 47;
    private static final int TOP_BITS = ADDRESS_BITS - CHUNK_SHIFT - LEAF_BITS;
    private static final Page[][] TOP = new Page[1 << TOP_BITS][];

    private PageMap() {
    }

    /** The page holding {@code address}, or null when lgmalloc has no page there. */
    public static Page lookup(long address) {
        long chunk = address >>> CHUNK_SHIFT;
        if (chunk >>> (TOP_BITS + LEAF_BITS) != 0) {
            return null;
        }
        // The mask changes nothing after the check above, but tells the JIT the index is in bounds.
        Page[] leaf = TOP[(int) (chunk >>> LEAF_BITS) & (TOP.length - 1)];
        return leaf == null ? null : leaf[(int) chunk & ((1 << LEAF_BITS) - 1)];
    }

    /** Points {@code chunks} chunks starting at {@code address} (chunk-aligned) at {@code page} (null to clear). */
    public static synchronized void set(long address, long chunks, Page page) {
        long first = address >>> CHUNK_SHIFT;
        if ((first + chunks) >>> (TOP_BITS + LEAF_BITS) != 0) {
            throw new IllegalStateException(String.format("address 0x%x is outside the 47-bit user space", address));
        }
        for (long c = first; c < first + chunks; c++) {
            int top = (int) (c >>> LEAF_BITS);
            Page[] leaf = TOP[top];
            if (leaf == null) {
                if (page == null) {
                    continue;
                }
                leaf = new Page[1 << LEAF_BITS];
                TOP[top] = leaf;
            }
            leaf[(int) c & ((1 << LEAF_BITS) - 1)] = page;
        }
    }
}
