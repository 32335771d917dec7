package dev.lgmalloc.analysis.jvm.read;

/**
 * A class file lent to a scan that keeps nothing of it ({@link ClassBytes#lendTo}): {@code bytes()[0, length())}.
 * A runtime image's class is copied into an array reused from class to class: a new array per class made the
 * pre-filter and the caller index allocate 30 MB each for {@code java.base}, and copying them out of the image
 * into new arrays took about ten times as long as copying them into one reused array (110 ms against 10 ms of CPU
 * per pass, warm). One buffer per thread.
 */
public final class ScanBuffer {

    private byte[] own = new byte[64 << 10];
    private byte[] bytes = own;
    private int length;

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
            own = new byte[Math.max(size, 2 * own.length)];
        }
        return own;
    }

    /** Lends {@code b[0, n)}. */
    void lend(byte[] b, int n) {
        bytes = b;
        length = n;
    }
}
