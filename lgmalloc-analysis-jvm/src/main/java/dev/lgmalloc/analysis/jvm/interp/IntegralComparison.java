package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.Opcode;

/**
 * The test of a conditional branch on ints ({@code ifeq}, {@code if_icmplt}, ...): a named class rather than a
 * lambda per opcode, for the same reason as {@link IntegralOperator}.
 */
final class IntegralComparison {

    private final Opcode op;

    private IntegralComparison(Opcode op) {
        this.op = op;
    }

    /** The test of {@code op}, or null for reference comparisons (null and identity are not tracked). */
    static IntegralComparison of(Opcode op) {
        return switch (op) {
            case IFEQ, IF_ICMPEQ, IFNE, IF_ICMPNE, IFLT, IF_ICMPLT, IFGE, IF_ICMPGE, IFGT, IF_ICMPGT, IFLE, IF_ICMPLE ->
                    new IntegralComparison(op);
            default -> null;
        };
    }

    /** Whether the branch jumps for these operands (the second is 0 for comparisons with zero). */
    boolean jumps(long x, long y) {
        return switch (op) {
            case IFEQ, IF_ICMPEQ -> x == y;
            case IFNE, IF_ICMPNE -> x != y;
            case IFLT, IF_ICMPLT -> x < y;
            case IFGE, IF_ICMPGE -> x >= y;
            case IFGT, IF_ICMPGT -> x > y;
            case IFLE, IF_ICMPLE -> x <= y;
            default -> throw new IllegalStateException("not an integral comparison: " + op);
        };
    }
}
