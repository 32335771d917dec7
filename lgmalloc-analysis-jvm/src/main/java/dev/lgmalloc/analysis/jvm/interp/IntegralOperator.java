package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.Opcode;
import java.util.function.LongBinaryOperator;

/**
 * One of Java's int or long binary operators (or {@code lcmp}), applied to constants held as longs. A named class
 * that switches on the opcode, not a lambda per opcode: in a cold agent each lambda is a class the JVM spins on
 * first use (about 0.7 ms each), and the analysis runs before {@code main}.
 */
final class IntegralOperator implements LongBinaryOperator {

    private final Opcode op;

    private IntegralOperator(Opcode op) {
        this.op = op;
    }

    /**
     * The operator of {@code op}.
     *
     * @throws IllegalArgumentException when {@code op} is not an integral binary operator
     */
    static IntegralOperator of(Opcode op) {
        switch (op) {
            case IADD, ISUB, IMUL, IDIV, IREM, IAND, IOR, IXOR, ISHL, ISHR, IUSHR,
                 LADD, LSUB, LMUL, LDIV, LREM, LAND, LOR, LXOR, LSHL, LSHR, LUSHR, LCMP -> {
                return new IntegralOperator(op);
            }
            default -> throw new IllegalArgumentException("not an integral binary operator: " + op);
        }
    }

    /** The kind of the result: {@code lcmp} gives an int. */
    Kind resultKind() {
        return switch (op) {
            case LADD, LSUB, LMUL, LDIV, LREM, LAND, LOR, LXOR, LSHL, LSHR, LUSHR -> Kind.LONG;
            default -> Kind.INT;
        };
    }

    @Override
    public long applyAsLong(long x, long y) {
        return switch (op) {
            case IADD -> (int) x + (int) y;
            case ISUB -> (int) x - (int) y;
            case IMUL -> (int) x * (int) y;
            case IDIV -> (int) x / (int) y;
            case IREM -> (int) x % (int) y;
            case IAND -> (int) x & (int) y;
            case IOR -> (int) x | (int) y;
            case IXOR -> (int) x ^ (int) y;
            case ISHL -> (int) x << (int) y;
            case ISHR -> (int) x >> (int) y;
            case IUSHR -> (int) x >>> (int) y;
            case LADD -> x + y;
            case LSUB -> x - y;
            case LMUL -> x * y;
            case LDIV -> x / y;
            case LREM -> x % y;
            case LAND -> x & y;
            case LOR -> x | y;
            case LXOR -> x ^ y;
            case LSHL -> x << (int) y;
            case LSHR -> x >> (int) y;
            case LUSHR -> x >>> (int) y;
            case LCMP -> Long.compare(x, y);
            default -> throw new IllegalStateException("not an integral binary operator: " + op);
        };
    }
}
