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
        IntegralOperator f = IntegralOperator.of(op);
        return combine(f.resultKind(), a, b, f);
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
        LongUnaryOperator f = IntegralConversion.to(to);
        return map(toKind, from, f);
    }

    /**
     * Which ways a conditional branch can go, given its operands (b is null for comparisons with zero or
     * null): {@code [canJump, canFallThrough]}.
     */
    static boolean[] branchOutcomes(Opcode op, Value a, Value b) {
        IntegralComparison test = IntegralComparison.of(op);
        Value right = b != null ? b : Value.intConstant(0);
        if (test == null || !a.hasConstants() || !right.hasConstants()) {
            return new boolean[] {true, true};
        }
        boolean jump = false;
        boolean fall = false;
        for (long x : a.constants().values()) {
            for (long y : right.constants().values()) {
                if (test.jumps(x, y)) {
                    jump = true;
                } else {
                    fall = true;
                }
            }
        }
        return new boolean[] {jump, fall};
    }
}
