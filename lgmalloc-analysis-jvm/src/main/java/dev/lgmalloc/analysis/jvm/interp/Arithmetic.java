package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;

/** Java's integer arithmetic, shifts, comparisons and conversions lifted to sets of constants. */
final class Arithmetic {

    private Arithmetic() {
    }

    /** The result of a binary int or long operator; unknown when either operand is. */
    static Value binary(Opcode op, Value a, Value b) {
        Kind kind = switch (op) {
            case LCMP -> Kind.INT;
            case LADD, LSUB, LMUL, LDIV, LREM, LAND, LOR, LXOR, LSHL, LSHR, LUSHR -> Kind.LONG;
            default -> Kind.INT;
        };
        LongBinaryOperator f = switch (op) {
            case IADD -> (x, y) -> (int) x + (int) y;
            case ISUB -> (x, y) -> (int) x - (int) y;
            case IMUL -> (x, y) -> (int) x * (int) y;
            case IDIV -> (x, y) -> (int) x / (int) y;
            case IREM -> (x, y) -> (int) x % (int) y;
            case IAND -> (x, y) -> (int) x & (int) y;
            case IOR -> (x, y) -> (int) x | (int) y;
            case IXOR -> (x, y) -> (int) x ^ (int) y;
            case ISHL -> (x, y) -> (int) x << (int) y;
            case ISHR -> (x, y) -> (int) x >> (int) y;
            case IUSHR -> (x, y) -> (int) x >>> (int) y;
            case LADD -> Long::sum;
            case LSUB -> (x, y) -> x - y;
            case LMUL -> (x, y) -> x * y;
            case LDIV -> (x, y) -> x / y;
            case LREM -> (x, y) -> x % y;
            case LAND -> (x, y) -> x & y;
            case LOR -> (x, y) -> x | y;
            case LXOR -> (x, y) -> x ^ y;
            case LSHL -> (x, y) -> x << (int) y;
            case LSHR -> (x, y) -> x >> (int) y;
            case LUSHR -> (x, y) -> x >>> (int) y;
            case LCMP -> Long::compare;
            default -> throw new IllegalArgumentException("not an integral binary operator: " + op);
        };
        return combine(kind, a, b, f);
    }

    /** {@code f} applied to every pair of constants, as a value of {@code kind}. */
    static Value combine(Kind kind, Value a, Value b, LongBinaryOperator f) {
        long deps = a.deps() | b.deps();
        if (!a.hasConstants() || !b.hasConstants()) {
            return Value.integral(kind, null, 1, deps);
        }
        return Value.integral(kind, a.constants().combine(b.constants(), f),
                Math.min(a.reliability(), b.reliability()), deps);
    }

    /** {@code f} applied to every constant, as a value of {@code kind}. */
    static Value map(Kind kind, Value a, LongUnaryOperator f) {
        if (!a.hasConstants()) {
            return Value.integral(kind, null, 1, a.deps());
        }
        return Value.integral(kind, a.constants().map(f), a.reliability(), a.deps());
    }

    /** A conversion instruction's result; float and double results are never tracked. */
    static Value convert(TypeKind to, Value from) {
        Kind toKind = Kind.of(to);
        if (toKind != Kind.INT && toKind != Kind.LONG || (from.kind() != Kind.INT && from.kind() != Kind.LONG)) {
            return Value.unknown(toKind).withDeps(from.deps());
        }
        LongUnaryOperator f = switch (to) {
            case LONG -> x -> x; // ints are held sign-extended already
            case INT -> x -> (int) x;
            case BYTE -> x -> (byte) x;
            case CHAR -> x -> (char) x;
            case SHORT -> x -> (short) x;
            default -> throw new IllegalArgumentException("not an integral conversion: " + to);
        };
        return map(toKind, from, f);
    }

    /**
     * Which ways a conditional branch can go, given its operands (b is null for comparisons with zero or
     * null): {@code [canJump, canFallThrough]}.
     */
    static boolean[] branchOutcomes(Opcode op, Value a, Value b) {
        LongBinaryOperator test = switch (op) {
            case IFEQ, IF_ICMPEQ -> (x, y) -> x == y ? 1 : 0;
            case IFNE, IF_ICMPNE -> (x, y) -> x != y ? 1 : 0;
            case IFLT, IF_ICMPLT -> (x, y) -> x < y ? 1 : 0;
            case IFGE, IF_ICMPGE -> (x, y) -> x >= y ? 1 : 0;
            case IFGT, IF_ICMPGT -> (x, y) -> x > y ? 1 : 0;
            case IFLE, IF_ICMPLE -> (x, y) -> x <= y ? 1 : 0;
            default -> null; // reference comparisons: the analysis does not track null or identity
        };
        Value right = b != null ? b : Value.intConstant(0);
        if (test == null || !a.hasConstants() || !right.hasConstants()) {
            return new boolean[] {true, true};
        }
        boolean jump = false;
        boolean fall = false;
        for (long x : a.constants().values()) {
            for (long y : right.constants().values()) {
                if (test.applyAsLong(x, y) == 1) {
                    jump = true;
                } else {
                    fall = true;
                }
            }
        }
        return new boolean[] {jump, fall};
    }
}
