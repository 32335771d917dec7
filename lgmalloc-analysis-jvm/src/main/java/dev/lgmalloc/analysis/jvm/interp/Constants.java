package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.SizeSet;
import java.util.Arrays;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * A small, sorted set of distinct integral constants (int or long). Sets that would grow past {@link #MAX} are
 * not built: callers get {@code null}, which the analysis reads as "unknown".
 */
public final class Constants {

    /** The most values a set holds; the same bound as the model's {@link SizeSet}. */
    public static final int MAX = SizeSet.MAX_VALUES;

    private final long[] values;

    private Constants(long[] sortedDistinct) {
        this.values = sortedDistinct;
    }

    /** The set of the given values, or null when there are none or more than {@link #MAX} distinct ones. */
    public static Constants of(long... values) {
        if (values.length == 0) {
            return null;
        }
        long[] sorted = Arrays.stream(values).distinct().sorted().toArray();
        return sorted.length > MAX ? null : new Constants(sorted);
    }

    /** The union, or null when it is too large. */
    public Constants union(Constants other) {
        long[] both = Arrays.copyOf(values, values.length + other.values.length);
        System.arraycopy(other.values, 0, both, values.length, other.values.length);
        return of(both);
    }

    /** The image of each value under {@code op}, or null when it is too large. */
    public Constants map(LongUnaryOperator op) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = op.applyAsLong(values[i]);
        }
        return of(out);
    }

    /**
     * Every {@code op(a, b)} for a in this set and b in {@code other}; pairs for which {@code op} throws
     * {@link ArithmeticException} are left out because the real operation throws too. Null when the result is
     * too large or empty.
     */
    public Constants combine(Constants other, LongBinaryOperator op) {
        long[] out = new long[values.length * other.values.length];
        int n = 0;
        for (long a : values) {
            for (long b : other.values) {
                try {
                    out[n++] = op.applyAsLong(a, b);
                } catch (ArithmeticException e) {
                    n--;
                }
            }
        }
        return of(Arrays.copyOf(out, n));
    }

    /** Whether the set holds exactly one value. */
    public boolean isSingle() {
        return values.length == 1;
    }

    /** The only value; call only when {@link #isSingle()}. */
    public long single() {
        return values[0];
    }

    /** The values, ascending. */
    public long[] values() {
        return values.clone();
    }

    /** The number of values. */
    public int size() {
        return values.length;
    }

    /** The same values as a size set (unknown when any is negative). */
    public SizeSet toSizeSet() {
        return SizeSet.of(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Constants c && Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }
}
