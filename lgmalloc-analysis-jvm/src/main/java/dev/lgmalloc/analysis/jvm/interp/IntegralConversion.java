package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.TypeKind;
import java.util.function.LongUnaryOperator;

/**
 * A conversion to an integral type ({@code i2l}, {@code l2i}, {@code i2b}, ...) of a constant held as a long. A
 * named class rather than a lambda per target type, for the same reason as {@link IntegralOperator}.
 */
final class IntegralConversion implements LongUnaryOperator {

    /** {@code Math.toIntExact}: a long that does not fit an int throws, as the method does. */
    static final LongUnaryOperator EXACT_INT = new IntegralConversion(null);

    /** {@code iinc} by {@code delta}: the int sum, wrapping as Java's does. */
    static LongUnaryOperator increment(int delta) {
        return new Increment(delta);
    }

    private final TypeKind to; // null for Math.toIntExact

    private IntegralConversion(TypeKind to) {
        this.to = to;
    }

    /** @throws IllegalArgumentException when {@code to} is not an integral type */
    static IntegralConversion to(TypeKind to) {
        switch (to) {
            case LONG, INT, BYTE, CHAR, SHORT -> {
                return new IntegralConversion(to);
            }
            default -> throw new IllegalArgumentException("not an integral conversion: " + to);
        }
    }

    @Override
    public long applyAsLong(long x) {
        if (to == null) {
            return Math.toIntExact(x);
        }
        return switch (to) {
            case LONG -> x; // ints are held sign-extended already
            case INT -> (int) x;
            case BYTE -> (byte) x;
            case CHAR -> (char) x;
            case SHORT -> (short) x;
            default -> throw new IllegalStateException("not an integral conversion: " + to);
        };
    }

    private record Increment(int delta) implements LongUnaryOperator {
        @Override
        public long applyAsLong(long x) {
            return (int) x + delta;
        }
    }
}
