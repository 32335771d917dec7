package dev.lgmalloc.elf.dataflow;

import java.util.List;

/**
 * What a conditional branch taught about an argument on one path: after {@code cmp n, 0; je}, the taken edge
 * knows {@code n == 0} and the fall-through knows {@code n != 0}. It lets a join recognise {@code n ? n : c}
 * written as a branch (as -O0 compiles it): one path carries the constant {@code c} where {@code n == 0}, the
 * other carries {@code n} where {@code n != 0}, so the merged value is exactly {@code n ? n : c}, not "n or c".
 *
 * @param tested the argument value that was compared with zero
 * @param zero   whether this path knows it is zero (otherwise: knows it is not)
 */
public record ZeroFact(Value tested, boolean zero) {

    /** The fact for a path, or null if the tested value is not an argument (only those never change). */
    static ZeroFact of(Value tested, boolean zero) {
        if (tested == null || !tested.isArgument()
                || tested.transforms().stream().anyMatch(t -> t instanceof Transform.OrOneOf)) {
            return null;
        }
        return new ZeroFact(tested, zero);
    }

    /** The fact both paths share, or null. */
    static ZeroFact common(ZeroFact a, ZeroFact b) {
        return a != null && a.equals(b) ? a : null;
    }

    /**
     * Joins two values, each with the fact of its path (or null), recognising {@code n ? n : c}; otherwise the
     * plain {@link Value#join}.
     */
    public static Value join(Value a, ZeroFact fa, Value b, ZeroFact fb) {
        if (a.equals(b)) {
            return a;
        }
        Value refined = zeroReplaced(a, fa, b, fb);
        if (refined == null) {
            refined = zeroReplaced(b, fb, a, fa);
        }
        return refined != null ? refined : a.join(b);
    }

    /** {@code n ? n : c} if {@code merged} (or {@code other}) already has that shape and both paths agree with it. */
    private static Value zeroReplaced(Value merged, ZeroFact mergedFact, Value other, ZeroFact otherFact) {
        // first meeting: the constant c where n == 0 and n (or an extension of it) where n != 0
        if (mergedFact != null && mergedFact.zero() && merged.isSingleConstant() && otherFact != null
                && !otherFact.zero() && vanishesExactlyWith(other, mergedFact.tested())
                && vanishesExactlyWith(other, otherFact.tested())) {
            return other.transformed(new Transform.ZeroReplaced(merged.singleConstant()));
        }
        // later meetings: merged is already n ? n : c; the other path's fact makes it agree with that
        if (otherFact == null || !merged.isArgument() || merged.transforms().isEmpty()
                || !(merged.transforms().getLast() instanceof Transform.ZeroReplaced(long c))) {
            return null;
        }
        Value base = merged.withoutLastTransform();
        if (!vanishesExactlyWith(base, otherFact.tested())) {
            return null;
        }
        boolean agrees = otherFact.zero() ? other.isSingleConstant() && other.singleConstant() == c
                : other.equals(base);
        return agrees ? merged : null;
    }

    /**
     * Whether {@code value} is {@code tested} passed through steps that map zero, and only zero, to zero: none,
     * or a sign or zero extension of a value that already fits in 32 bits.
     */
    static boolean vanishesExactlyWith(Value value, Value tested) {
        if (!value.isArgument() || value.argumentRegister() != tested.argumentRegister()) {
            return false;
        }
        List<Transform> full = value.transforms();
        List<Transform> prefix = tested.transforms();
        if (full.size() < prefix.size() || !full.subList(0, prefix.size()).equals(prefix)) {
            return false;
        }
        if (full.size() == prefix.size()) {
            return true;
        }
        boolean fits32 = !prefix.isEmpty() && prefix.getLast() instanceof Transform.ZeroExtend32;
        return fits32 && full.subList(prefix.size(), full.size()).stream()
                .allMatch(t -> t instanceof Transform.SignExtend32 || t instanceof Transform.ZeroExtend32);
    }
}
