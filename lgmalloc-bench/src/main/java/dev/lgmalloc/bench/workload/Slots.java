package dev.lgmalloc.bench.workload;

/**
 * Blocks a workload holds: address, size and pattern token side by side in plain arrays (no object per block, so
 * the Java heap stays out of the measurement). Used as a fixed table of slots or as a batch filled from the front.
 */
public final class Slots {

    final long[] address;
    final long[] size;
    final long[] token;
    private int count;

    public Slots(int capacity) {
        address = new long[capacity];
        size = new long[capacity];
        token = new long[capacity];
    }

    public int capacity() {
        return address.length;
    }

    /** How many slots a batch has filled (see {@link Worker#append}). */
    public int count() {
        return count;
    }

    public boolean occupied(int slot) {
        return address[slot] != 0;
    }

    public long address(int slot) {
        return address[slot];
    }

    public long size(int slot) {
        return size[slot];
    }

    void set(int slot, long blockAddress, long blockSize, long blockToken) {
        address[slot] = blockAddress;
        size[slot] = blockSize;
        token[slot] = blockToken;
    }

    void clear(int slot) {
        address[slot] = 0;
    }

    int claimNext() {
        if (count == address.length) {
            throw new IllegalStateException("batch full at " + count + " blocks");
        }
        return count++;
    }

    /** Moves slot {@code from} of {@code other} into slot {@code to} here (the block changes owner, not memory). */
    public void takeFrom(Slots other, int from, int to) {
        set(to, other.address[from], other.size[from], other.token[from]);
        other.clear(from);
    }
}
