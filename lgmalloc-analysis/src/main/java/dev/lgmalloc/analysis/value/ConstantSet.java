package dev.lgmalloc.analysis.value;

import java.util.Arrays;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * A small set of 64-bit constants, or unknown. A set that would hold more than {@link #MAX_SIZE} values is
 * unknown instead: that is how a value that keeps changing (around a loop, say) stops being predicted, and it
 * bounds the work of pairwise arithmetic. Immutable; the values are kept sorted and distinct.
 */
public final class ConstantSet {

    /** The most values a known set holds. */
    public static final int MAX_SIZE = 8;

    private static final ConstantSet UNKNOWN = new ConstantSet(null);

    private final long[] values; // sorted, distinct, 1 to MAX_SIZE of them; null when unknown

    private ConstantSet(long[] values) {
        this.values = values;
    }

    /** The set that says nothing. */
    public static ConstantSet unknown() {
        return UNKNOWN;
    }

    /** The set of one value. */
    public static ConstantSet of(long value) {
        return new ConstantSet(new long[] {value});
    }

    /** The set of the given values; unknown when there are none or more than {@link #MAX_SIZE} distinct ones. */
    public static ConstantSet of(long... values) {
        if (values.length == 1) {
            return of(values[0]);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[n - 1]) {
                if (n == MAX_SIZE) {
                    return UNKNOWN;
                }
                sorted[n++] = sorted[i];
            }
        }
        return n == 0 ? UNKNOWN : new ConstantSet(n == sorted.length ? sorted : Arrays.copyOf(sorted, n));
    }

    /** Whether the values are known. */
    public boolean isKnown() {
        return values != null;
    }

    /** Whether the set holds exactly one value. */
    public boolean isSingle() {
        return values != null && values.length == 1;
    }

    /** The only value; call only when {@link #isSingle()}. */
    public long single() {
        return values[0];
    }

    /** How many values a known set holds; 0 when unknown. */
    public int size() {
        return values == null ? 0 : values.length;
    }

    /** The values, ascending; empty when unknown. */
    public long[] values() {
        return values == null ? new long[0] : values.clone();
    }

    /** Whether every value is at least {@code bound}; false when unknown. */
    public boolean allAtLeast(long bound) {
        return values != null && values[0] >= bound;
    }

    /** The union; unknown when either set is or the union is too large. */
    public ConstantSet union(ConstantSet other) {
        if (values == null || other.values == null) {
            return UNKNOWN;
        }
        if (this == other) {
            return this;
        }
        long[] both = Arrays.copyOf(values, values.length + other.values.length);
        System.arraycopy(other.values, 0, both, values.length, other.values.length);
        return of(both);
    }

    /** The image of each value under {@code op}; unknown when this set is. */
    public ConstantSet map(LongUnaryOperator op) {
        if (values == null) {
            return UNKNOWN;
        }
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = op.applyAsLong(values[i]);
        }
        return of(out);
    }

    /**
     * Every {@code op(a, b)} for a in this set and b in {@code other}, with Java's semantics: a pair for which
     * {@code op} throws {@link ArithmeticException} is left out, because the real operation throws too.
     * Unknown when either set is, or when no pair or too many distinct results remain.
     */
    public ConstantSet combine(ConstantSet other, LongBinaryOperator op) {
        if (values == null || other.values == null) {
            return UNKNOWN;
        }
        long[] out = new long[values.length * other.values.length];
        int n = 0;
        for (long a : values) {
            for (long b : other.values) {
                try {
                    out[n] = op.applyAsLong(a, b);
                    n++;
                } catch (ArithmeticException e) {
                    // the operation throws for this pair: no value flows on
                }
            }
        }
        return of(n == out.length ? out : Arrays.copyOf(out, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstantSet s && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    /** {@code [40, 48]} for a known set, {@code ?} for unknown. */
    @Override
    public String toString() {
        return values == null ? "?" : Arrays.toString(values);
    }
}
