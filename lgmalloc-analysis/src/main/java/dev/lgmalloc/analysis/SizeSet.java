package dev.lgmalloc.analysis;

import java.util.Arrays;

/**
 * The sizes an allocation site may request: a small set of known non-negative constants, or unknown.
 * Joining two sets unions them; a union larger than {@link #MAX_VALUES} widens to unknown, which is how a
 * size that keeps changing (around a loop, say) stops being predicted.
 */
public final class SizeSet {

    /** The most values a known set holds before it widens to unknown. */
    public static final int MAX_VALUES = 8;

    private static final SizeSet UNKNOWN = new SizeSet(null);

    private final long[] values; // sorted, distinct, non-negative; null when unknown

    private SizeSet(long[] values) {
        this.values = values;
    }

    /** The set that says nothing about the size. */
    public static SizeSet unknown() {
        return UNKNOWN;
    }

    /** A known set of the given sizes; negative sizes or more than {@link #MAX_VALUES} distinct ones give unknown. */
    public static SizeSet of(long... sizes) {
        if (sizes.length == 0) {
            return UNKNOWN;
        }
        long[] sorted = Arrays.stream(sizes).distinct().sorted().toArray();
        if (sorted.length > MAX_VALUES || sorted[0] < 0) {
            return UNKNOWN;
        }
        return new SizeSet(sorted);
    }

    /** The union of both sets, widened to unknown when either is unknown or the union is too large. */
    public SizeSet union(SizeSet other) {
        if (!isKnown() || !other.isKnown()) {
            return UNKNOWN;
        }
        long[] both = Arrays.copyOf(values, values.length + other.values.length);
        System.arraycopy(other.values, 0, both, values.length, other.values.length);
        return of(both);
    }

    /** Whether the sizes are known. */
    public boolean isKnown() {
        return values != null;
    }

    /** Whether the set holds exactly one size. */
    public boolean isConstant() {
        return values != null && values.length == 1;
    }

    /** The sizes, ascending; empty when unknown. */
    public long[] values() {
        return values == null ? new long[0] : values.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SizeSet s && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    /** {@code {40,48}} for known sets, {@code ?} for unknown. */
    @Override
    public String toString() {
        if (values == null) {
            return "?";
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.append('}').toString();
    }
}
