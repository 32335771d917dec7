package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.analysis.value.ConstantSet;
import dev.lgmalloc.elf.isa.CallingConvention;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How an allocation entry point computes the size it requests: a product of factors, each a fixed set of
 * constants or an incoming argument register passed through {@link Transform}s. On x86-64 {@code malloc} is
 * {@code rdi}; {@code calloc} is {@code rdi × rsi}; a wrapper {@code xcalloc8(n)} that calls {@code calloc(n, 8)} is
 * {@code rdi × {8}}; {@code xmallocz(n)} calling {@code malloc(n + 1)} is {@code rdi[n+1]}.
 */
public record SizeExpression(List<Factor> factors) implements SizeRule {

    /** One factor of the product. */
    public sealed interface Factor {
    }

    /** A factor the entry point fixes itself: a known set of constants. */
    public record Fixed(ConstantSet values) implements Factor {
        public Fixed {
            if (!values.isKnown()) {
                throw new IllegalArgumentException("a fixed factor is a known set");
            }
        }

        /** The factor of these constants (at most {@link ConstantSet#MAX_SIZE} distinct ones). */
        public Fixed(long... values) {
            this(ConstantSet.of(values));
        }

        @Override
        public String toString() {
            return values.toString();
        }
    }

    /** A factor taken from an argument register on entry, transformed. */
    public record FromArgument(int register, List<Transform> transforms) implements Factor {
        public FromArgument {
            transforms = List.copyOf(transforms);
        }

        /** {@code rdi[n+1]}: the register by name, then the transforms. */
        String describe(CallingConvention convention) {
            return convention.name(register) + (transforms.isEmpty() ? "" : transforms.toString());
        }
    }

    /** What evaluating the expression at a call site gave. */
    public sealed interface Evaluation {
    }

    /** The sizes are these constants. */
    public record Known(long[] values) implements Evaluation {
    }

    /** The size depends on the calling function's own arguments: it may be a wrapper. */
    public record Derived(SizeExpression expression) implements Evaluation {
    }

    /** Nothing can be said; {@code reason} says why. */
    public record Unknown(String reason) implements Evaluation {
    }

    public SizeExpression {
        factors = List.copyOf(factors);
    }

    /** The size is argument register {@code register} as it is. */
    public static SizeExpression argument(int register) {
        return new SizeExpression(List.of(new FromArgument(register, List.of())));
    }

    /** The size is the product of two argument registers. */
    public static SizeExpression product(int first, int second) {
        return new SizeExpression(List.of(new FromArgument(first, List.of()), new FromArgument(second, List.of())));
    }

    @Override
    public Evaluation evaluate(MachineState before, CallingConvention convention) {
        return evaluate(before.registers, convention);
    }

    /** Evaluates the expression with the register values a call site passes. */
    public Evaluation evaluate(Value[] registers, CallingConvention convention) {
        long[] fixed = {1};
        List<Factor> remaining = new ArrayList<>();
        for (Factor f : factors) {
            long[] values;
            if (f instanceof Fixed(ConstantSet v)) {
                values = v.values();
            } else {
                FromArgument a = (FromArgument) f;
                Value v = registers[a.register()];
                if (v.isConstants()) {
                    values = v.constantValues();
                    for (Transform t : a.transforms()) {
                        values = t.apply(values);
                    }
                } else if (v.isProduct() && a.transforms().isEmpty()) { // n * s: both become factors
                    for (Value factor : v.productFactors()) {
                        if (!convention.isArgument(factor.argumentRegister())) {
                            return new Unknown(convention.name(a.register()) + " is not a known constant");
                        }
                        remaining.add(new FromArgument(factor.argumentRegister(), factor.transforms()));
                    }
                    continue;
                } else if (v.isArgument() && convention.isArgument(v.argumentRegister())) {
                    List<Transform> ts = Transform.concat(v.transforms(), a.transforms());
                    if (ts.size() > 8) {
                        return new Unknown(convention.name(a.register()) + " is transformed too often");
                    }
                    remaining.add(new FromArgument(v.argumentRegister(), ts));
                    continue;
                } else {
                    return new Unknown(convention.name(a.register()) + " is not a known constant");
                }
            }
            fixed = multiply(fixed, values);
            if (fixed == null) {
                return new Unknown("too many possible sizes or overflow");
            }
        }
        if (remaining.isEmpty()) {
            return new Known(fixed);
        }
        if (!(fixed.length == 1 && fixed[0] == 1)) {
            remaining.add(new Fixed(fixed));
        }
        return new Derived(new SizeExpression(remaining));
    }

    /** The argument registers this expression reads, for notes. */
    public String describe(CallingConvention convention) {
        List<String> parts = new ArrayList<>();
        for (Factor f : factors) {
            parts.add(f instanceof FromArgument a ? a.describe(convention) : f.toString());
        }
        return String.join(" x ", parts);
    }

    private static long[] multiply(long[] a, long[] b) {
        long[] out = new long[a.length * b.length];
        int n = 0;
        for (long x : a) {
            for (long y : b) {
                try {
                    out[n++] = Math.multiplyExact(x, y);
                } catch (ArithmeticException overflow) {
                    return null;
                }
            }
        }
        long[] distinct = Arrays.stream(out).distinct().sorted().toArray();
        return distinct.length > ConstantSet.MAX_SIZE ? null : distinct;
    }
}
