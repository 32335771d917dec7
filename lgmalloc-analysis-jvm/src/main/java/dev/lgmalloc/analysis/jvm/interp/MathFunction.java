package dev.lgmalloc.analysis.jvm.interp;

import java.util.function.LongBinaryOperator;

/**
 * {@code Math.max}, {@code min}, {@code multiplyExact} or {@code addExact} on ints or longs, applied to constants
 * held as longs. A named class rather than a lambda per method, for the reason {@link IntegralOperator} gives.
 */
final class MathFunction implements LongBinaryOperator {

    private final String name;
    private final boolean ints;

    private MathFunction(String name, boolean ints) {
        this.name = name;
        this.ints = ints;
    }

    /** The function {@code name} of {@code java.lang.Math} on ints or longs, or null when it is not modelled. */
    static MathFunction of(String name, boolean ints) {
        return switch (name) {
            case "max", "min", "multiplyExact", "addExact" -> new MathFunction(name, ints);
            default -> null;
        };
    }

    @Override
    public long applyAsLong(long x, long y) {
        return switch (name) {
            case "max" -> Math.max(x, y);
            case "min" -> Math.min(x, y);
            case "multiplyExact" -> ints ? Math.multiplyExact((int) x, (int) y) : Math.multiplyExact(x, y);
            case "addExact" -> ints ? Math.addExact((int) x, (int) y) : Math.addExact(x, y);
            default -> throw new IllegalStateException("not a modelled Math function: " + name);
        };
    }
}
