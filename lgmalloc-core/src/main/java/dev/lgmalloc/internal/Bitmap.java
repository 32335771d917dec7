package dev.lgmalloc.internal;

/** Bit operations on a bitmap held in a {@code long[]}, bit {@code i} in word {@code i / 64}. */
final class Bitmap {

    private Bitmap() {
    }

    static boolean get(long[] bits, int i) {
        return (bits[i >>> 6] >>> (i & 63) & 1) != 0;
    }

    static void set(long[] bits, int i) {
        bits[i >>> 6] |= 1L << (i & 63);
    }

    static void clear(long[] bits, int i) {
        bits[i >>> 6] &= ~(1L << (i & 63));
    }

    static void setRange(long[] bits, int from, int count) {
        int end = from + count;
        for (int w = from >>> 6; w <= (end - 1) >>> 6; w++) {
            bits[w] |= wordMask(from, end, w);
        }
    }

    static void clearRange(long[] bits, int from, int count) {
        int end = from + count;
        for (int w = from >>> 6; w <= (end - 1) >>> 6; w++) {
            bits[w] &= ~wordMask(from, end, w);
        }
    }

    static boolean anySet(long[] bits, int from, int count) {
        int end = from + count;
        for (int w = from >>> 6; w <= (end - 1) >>> 6; w++) {
            if ((bits[w] & wordMask(from, end, w)) != 0) {
                return true;
            }
        }
        return false;
    }

    /** The bits {@code [from, end)} that lie in word {@code w}. */
    private static long wordMask(int from, int end, int w) {
        int base = w << 6;
        int low = Math.max(from, base) - base;
        int high = Math.min(end, base + 64) - base;       // 1..64
        return (high == 64 ? -1L : (1L << high) - 1) & (-1L << low);
    }

    /** The first set bit at or after {@code from}, or {@code limit} when none is below it. */
    static int nextSet(long[] bits, int from, int limit) {
        for (int u = from; u < limit; ) {
            int word = u >>> 6;
            long ahead = bits[word] >>> (u & 63);
            if (ahead != 0) {
                return Math.min(limit, u + Long.numberOfTrailingZeros(ahead));
            }
            u = (word + 1) << 6;
        }
        return limit;
    }

    /** The first clear bit at or after {@code from}, or {@code limit} when none is below it. */
    static int nextClear(long[] bits, int from, int limit) {
        for (int u = from; u < limit; ) {
            int word = u >>> 6;
            long ahead = ~bits[word] >>> (u & 63);
            if (ahead != 0) {
                return Math.min(limit, u + Long.numberOfTrailingZeros(ahead));
            }
            u = (word + 1) << 6;
        }
        return limit;
    }

    /** The last set bit at or before {@code from}, or -1 when none is. */
    static int previousSet(long[] bits, int from) {
        for (int u = from; u >= 0; ) {
            int word = u >>> 6;
            long behind = bits[word] << (63 - (u & 63));
            if (behind != 0) {
                return u - Long.numberOfLeadingZeros(behind);
            }
            u = (word << 6) - 1;
        }
        return -1;
    }
}
