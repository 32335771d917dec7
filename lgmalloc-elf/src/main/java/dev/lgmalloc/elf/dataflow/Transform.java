package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One step that a function applies to an incoming argument before it reaches an allocator: a 32-bit zero or
 * sign extension, {@code n ? n : c} (zero replaced by a constant), a join with constants from another path, or
 * the affine map {@code a*n + c}. Applied, in order, to the constant sizes a caller passes, with the machine's
 * wrapping 64-bit arithmetic, so the result is what the program computes.
 */
public sealed interface Transform {

    /** The sizes after this step, given the sizes before it. */
    long[] apply(long[] values);

    /** {@code first} then {@code then}, with an affine map at the seam composed into one. */
    static List<Transform> concat(List<Transform> first, List<Transform> then) {
        List<Transform> all = new ArrayList<>(first);
        for (Transform t : then) {
            if (t instanceof Affine next && !all.isEmpty() && all.getLast() instanceof Affine previous) {
                all.removeLast();
                Affine both = next.after(previous);
                if (!both.isIdentity()) {
                    all.add(both);
                }
            } else {
                all.add(t);
            }
        }
        return all;
    }

    /** {@code (uint32_t) n}, as {@code mov r32, r32} or a 32-bit load does. */
    record ZeroExtend32() implements Transform {
        @Override
        public long[] apply(long[] values) {
            return Arrays.stream(values).map(v -> v & 0xffffffffL).distinct().sorted().toArray();
        }
    }

    /** {@code (int64_t)(int32_t) n}, as {@code movsxd} does. */
    record SignExtend32() implements Transform {
        @Override
        public long[] apply(long[] values) {
            return Arrays.stream(values).map(v -> (long) (int) v).distinct().sorted().toArray();
        }
    }

    /** {@code n ? n : replacement}, as {@code test r,r; cmov} does. */
    record ZeroReplaced(long replacement) implements Transform {
        @Override
        public long[] apply(long[] values) {
            return Arrays.stream(values).map(v -> v == 0 ? replacement : v).distinct().sorted().toArray();
        }
    }

    /** The argument, or one of these constants on another path. */
    record OrOneOf(ConstantSet values) implements Transform {
        public OrOneOf {
            if (!values.isKnown()) {
                throw new IllegalArgumentException("the constants of another path are a known set");
            }
        }

        /** The alternative of these constants (at most {@link ConstantSet#MAX_SIZE} distinct ones). */
        public OrOneOf(long... constants) {
            this(ConstantSet.of(constants));
        }

        /** The constants, ascending (a copy). */
        public long[] constants() {
            return values.values();
        }

        @Override
        public long[] apply(long[] before) {
            long[] both = Arrays.copyOf(before, before.length + values.size());
            System.arraycopy(values.values(), 0, both, before.length, values.size());
            return Arrays.stream(both).distinct().sorted().toArray();
        }

        @Override
        public String toString() {
            return "OrOneOf" + values;
        }
    }

    /** {@code multiplier * n + addend} in wrapping 64-bit arithmetic, as add, lea, imul and shl compute it. */
    record Affine(long multiplier, long addend) implements Transform {
        @Override
        public long[] apply(long[] values) {
            return Arrays.stream(values).map(v -> v * multiplier + addend).distinct().sorted().toArray();
        }

        /** This map applied after {@code first}: {@code m2*(m1*n + c1) + c2}. */
        Affine after(Affine first) {
            return new Affine(multiplier * first.multiplier, multiplier * first.addend + addend);
        }

        boolean isIdentity() {
            return multiplier == 1 && addend == 0;
        }

        @Override
        public String toString() {
            return (multiplier == 1 ? "n" : multiplier + "n") + (addend == 0 ? "" : addend > 0 ? "+" + addend
                    : String.valueOf(addend));
        }
    }
}
