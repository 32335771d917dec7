package dev.lgmalloc.analysis;

import dev.lgmalloc.analysis.value.ConstantSet;

/**
 * The sizes an allocation site may request: a small set of known non-negative constants, or unknown. Joining
 * two sets unions them; a union larger than {@link #MAX_VALUES} widens to unknown, which is how a size that
 * keeps changing (around a loop, say) stops being predicted. A {@link ConstantSet} that is known to hold no
 * negative number.
 */
public final class SizeSet {

    /** The most values a known set holds before it widens to unknown. */
    public static final int MAX_VALUES = ConstantSet.MAX_SIZE;

    private static final SizeSet UNKNOWN = new SizeSet(ConstantSet.unknown());

    private final ConstantSet values;

    private SizeSet(ConstantSet values) {
        this.values = values;
    }

    /** The set that says nothing about the size. */
    public static SizeSet unknown() {
        return UNKNOWN;
    }

    /** A known set of the given sizes; negative sizes or more than {@link #MAX_VALUES} distinct ones give unknown. */
    public static SizeSet of(long... sizes) {
        return of(ConstantSet.of(sizes));
    }

    /** The same values as sizes: unknown when the set is, or when it holds a negative number. */
    public static SizeSet of(ConstantSet values) {
        return values.allAtLeast(0) ? new SizeSet(values) : UNKNOWN;
    }

    /** The union of both sets, widened to unknown when either is unknown or the union is too large. */
    public SizeSet union(SizeSet other) {
        return of(values.union(other.values));
    }

    /** Whether the sizes are known. */
    public boolean isKnown() {
        return values.isKnown();
    }

    /** Whether the set holds exactly one size. */
    public boolean isConstant() {
        return values.isSingle();
    }

    /** The sizes, ascending; empty when unknown. */
    public long[] values() {
        return values.values();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SizeSet s && values.equals(s.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** {@code {40,48}} for known sets, {@code ?} for unknown. */
    @Override
    public String toString() {
        if (!values.isKnown()) {
            return "?";
        }
        StringBuilder sb = new StringBuilder("{");
        long[] sizes = values.values();
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i == 0 ? "" : ",").append(sizes[i]);
        }
        return sb.append('}').toString();
    }
}
