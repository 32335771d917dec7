package dev.lgmalloc.analysis.jvm.read;

/**
 * Arrays reused from class to class by scans that keep nothing of a class file but their result, one per thread:
 * the class file lent to the scan ({@link ClassBytes#lendTo}), {@code bytes()[0, length())}, and the caller
 * index's work arrays ({@link MethodRefKeys#scan(byte[], int, ScanBuffer)}, which allocated three arrays per class).
 * A runtime image's class is copied into an array reused from class to class: a new array per class made the
 * pre-filter and the caller index allocate 30 MB each for {@code java.base}, and copying them out of the image
 * into new arrays took about ten times as long as copying them into one reused array (110 ms against 10 ms of CPU
 * per pass, warm).
 */
public final class ScanBuffer {

    private byte[] own = new byte[0];
    private byte[] bytes = own;
    private int length;
    private int[] offsets = new int[0];
    private long[] keys = new long[0];

    /** The array holding the lent class file from index 0. */
    public byte[] bytes() {
        return bytes;
    }

    /** The lent class file's length. */
    public int length() {
        return length;
    }

    /** The reused array, grown to at least {@code size} bytes, for a class to be copied into. */
    byte[] arrayOfAtLeast(int size) {
        if (own.length < size) {
            own = new byte[Math.max(size, Math.max(64 << 10, 2 * own.length))];
        }
        return own;
    }

    /** A reused array of at least {@code size} ints, with any content. */
    int[] offsets(int size) {
        if (offsets.length < size) {
            offsets = new int[Math.max(size, 2 * offsets.length)];
        }
        return offsets;
    }

    /** A reused array of at least {@code size} longs, with any content. */
    long[] keys(int size) {
        if (keys.length < size) {
            keys = new long[Math.max(size, 2 * keys.length)];
        }
        return keys;
    }

    /** Lends {@code b[0, n)}. */
    void lend(byte[] b, int n) {
        bytes = b;
        length = n;
    }
}
