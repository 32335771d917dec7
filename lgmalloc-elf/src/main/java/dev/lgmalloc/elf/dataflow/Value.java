package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a register or stack slot may hold at one program point: unknown, a {@link ConstantSet}, a
 * function argument as it arrived (possibly extended, zero-replaced, joined with constants or mapped by
 * {@code a*n + c}), the product of two arguments, or an address in the function's own stack frame
 * ({@code entry stack pointer + offset}). Immutable.
 */
public final class Value {

    private static final int MAX_TRANSFORMS = 8;

    enum Kind { UNKNOWN, CONSTANTS, ARGUMENT, PRODUCT, FRAME }

    public static final Value UNKNOWN = new Value(Kind.UNKNOWN, null, -1, List.of(), 0, List.of());

    private final Kind kind;
    private final ConstantSet constants; // known, for CONSTANTS; null otherwise
    private final int argument;
    private final List<Transform> transforms;
    private final long frameOffset;
    private final List<Value> factors;

    private Value(Kind kind, ConstantSet constants, int argument, List<Transform> transforms, long frameOffset,
                  List<Value> factors) {
        this.kind = kind;
        this.constants = constants;
        this.argument = argument;
        this.transforms = transforms;
        this.frameOffset = frameOffset;
        this.factors = factors;
    }

    private Value(Kind kind, ConstantSet constants, int argument, List<Transform> transforms, long frameOffset) {
        this(kind, constants, argument, transforms, frameOffset, List.of());
    }

    public static Value constant(long v) {
        return new Value(Kind.CONSTANTS, ConstantSet.of(v), -1, List.of(), 0);
    }

    /** A set of constants; unknown when there are none or too many. */
    public static Value constants(long[] values) {
        return constants(ConstantSet.of(values));
    }

    /** The value of a constant set. */
    public static Value constants(ConstantSet set) {
        return set.isKnown() ? new Value(Kind.CONSTANTS, set, -1, List.of(), 0) : UNKNOWN;
    }

    /** The value argument register {@code register} had on entry to the function. */
    public static Value argument(int register) {
        return new Value(Kind.ARGUMENT, null, register, List.of(), 0);
    }

    /** The address {@code entry stack pointer + offset}. */
    public static Value frame(long offset) {
        return new Value(Kind.FRAME, null, -1, List.of(), offset);
    }

    /**
     * {@code a × b} of two argument values (as {@code imul r64, r64} computes {@code n * s}); unknown unless both
     * are arguments.
     */
    public static Value product(Value a, Value b) {
        if (!a.isArgument() || !b.isArgument()) {
            return UNKNOWN;
        }
        return new Value(Kind.PRODUCT, null, -1, List.of(), 0, List.of(a, b));
    }

    public boolean isUnknown() {
        return kind == Kind.UNKNOWN;
    }

    public boolean isConstants() {
        return kind == Kind.CONSTANTS;
    }

    public boolean isSingleConstant() {
        return kind == Kind.CONSTANTS && constants.isSingle();
    }

    public boolean isArgument() {
        return kind == Kind.ARGUMENT;
    }

    public boolean isProduct() {
        return kind == Kind.PRODUCT;
    }

    /** The two argument values of a product; empty otherwise. */
    public List<Value> productFactors() {
        return factors;
    }

    public boolean isFrame() {
        return kind == Kind.FRAME;
    }

    /** The constants (a copy); empty unless {@link #isConstants()}. */
    public long[] constantValues() {
        return constants == null ? new long[0] : constants.values();
    }

    /** The constant set; unknown unless {@link #isConstants()}. */
    public ConstantSet constantSet() {
        return constants == null ? ConstantSet.unknown() : constants;
    }

    public long singleConstant() {
        return constants.single();
    }

    public int argumentRegister() {
        return argument;
    }

    public List<Transform> transforms() {
        return transforms;
    }

    public long frameOffset() {
        return frameOffset;
    }

    /**
     * Whether two registers holding these values are sure to hold the same number at run time: one constant,
     * or the same argument transformed deterministically.
     */
    public boolean surelySameAs(Value other) {
        if (isSingleConstant() && other.isSingleConstant()) {
            return constants.single() == other.constants.single();
        }
        return isArgument() && equals(other) && transforms.stream().noneMatch(t -> t instanceof Transform.OrOneOf);
    }

    /** Applies a transform; consecutive affine maps are composed into one. */
    public Value transformed(Transform t) {
        return switch (kind) {
            case CONSTANTS -> t instanceof Transform.ZeroExtend32 && fitsIn32Bits(constants) ? this
                    : constants(t.apply(constants.values()));
            case ARGUMENT -> switch (t) {
                case Transform.ZeroExtend32 z when fitsIn32Bits() -> this;
                case Transform.Affine a when a.isIdentity() -> this;
                case Transform.Affine a when !transforms.isEmpty()
                        && transforms.getLast() instanceof Transform.Affine previous -> {
                    Transform.Affine both = a.after(previous);
                    Value base = new Value(Kind.ARGUMENT, null, argument,
                            List.copyOf(transforms.subList(0, transforms.size() - 1)), 0);
                    yield both.isIdentity() ? base : base.withTransform(both);
                }
                default -> withTransform(t);
            };
            default -> UNKNOWN;
        };
    }

    /** This argument value without its last transform, or null if it has none. */
    public Value withoutLastTransform() {
        if (kind != Kind.ARGUMENT || transforms.isEmpty()) {
            return null;
        }
        return new Value(Kind.ARGUMENT, null, argument, List.copyOf(transforms.subList(0, transforms.size() - 1)), 0);
    }

    /** Whether zero-extending the low 32 bits leaves every constant as it is (most reads of 32-bit registers). */
    private static boolean fitsIn32Bits(ConstantSet set) {
        long[] v = set.values(); // sorted
        return v[0] >= 0 && v[v.length - 1] <= 0xffffffffL;
    }

    /** Whether an argument value is already known to be a zero-extended 32-bit number. */
    private boolean fitsIn32Bits() {
        for (int i = transforms.size() - 1; i >= 0; i--) {
            switch (transforms.get(i)) {
                case Transform.ZeroExtend32 z -> {
                    return true;
                }
                case Transform.ZeroReplaced(long c) when c >= 0 && c <= 0xffffffffL -> {
                }
                case Transform.OrOneOf u when java.util.Arrays.stream(u.constants())
                        .allMatch(c -> c >= 0 && c <= 0xffffffffL) -> {
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    private Value withTransform(Transform t) {
        if (transforms.size() >= MAX_TRANSFORMS) {
            return UNKNOWN;
        }
        List<Transform> list = new ArrayList<>(transforms);
        list.add(t);
        return new Value(Kind.ARGUMENT, null, argument, List.copyOf(list), 0);
    }

    /** The union of both values at a merge point. */
    public Value join(Value other) {
        if (this == other || equals(other)) {
            return this;
        }
        if (kind == Kind.UNKNOWN || other.kind == Kind.UNKNOWN) {
            return UNKNOWN;
        }
        if (kind == Kind.CONSTANTS && other.kind == Kind.CONSTANTS) {
            return constants(constants.union(other.constants));
        }
        if (kind == Kind.ARGUMENT && other.kind == Kind.CONSTANTS) {
            return orOneOf(other.constants.values());
        }
        if (kind == Kind.CONSTANTS && other.kind == Kind.ARGUMENT) {
            return other.orOneOf(constants.values());
        }
        if (kind == Kind.ARGUMENT && other.kind == Kind.ARGUMENT && argument == other.argument) {
            // same argument, differing only in the constants joined on other paths
            List<Transform> a = withoutTrailingUnion(transforms);
            List<Transform> b = withoutTrailingUnion(other.transforms);
            if (a.equals(b)) {
                Value base = new Value(Kind.ARGUMENT, null, argument, a, 0);
                long[] extra = concat(trailingUnion(transforms), trailingUnion(other.transforms));
                return extra.length == 0 ? base : base.orOneOf(extra);
            }
        }
        return UNKNOWN;
    }

    private Value orOneOf(long[] more) {
        long[] existing = trailingUnion(transforms);
        long[] all = Arrays.stream(concat(existing, more)).distinct().toArray();
        if (all.length > ConstantSet.MAX_SIZE) {
            return UNKNOWN;
        }
        Value base = new Value(Kind.ARGUMENT, null, argument, withoutTrailingUnion(transforms), 0);
        return base.withTransform(new Transform.OrOneOf(all));
    }

    private static List<Transform> withoutTrailingUnion(List<Transform> list) {
        return !list.isEmpty() && list.getLast() instanceof Transform.OrOneOf ? list.subList(0, list.size() - 1)
                : list;
    }

    private static long[] trailingUnion(List<Transform> list) {
        return !list.isEmpty() && list.getLast() instanceof Transform.OrOneOf u ? u.constants() : new long[0];
    }

    private static long[] concat(long[] a, long[] b) {
        long[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Value v && kind == v.kind && argument == v.argument && frameOffset == v.frameOffset
                && Objects.equals(constants, v.constants) && transforms.equals(v.transforms)
                && factors.equals(v.factors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, argument, frameOffset, Objects.hashCode(constants), transforms, factors);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNKNOWN -> "?";
            case CONSTANTS -> constants.toString();
            case ARGUMENT -> "r" + argument + "@entry" + (transforms.isEmpty() ? "" : transforms);
            case PRODUCT -> factors.get(0) + " x " + factors.get(1);
            case FRAME -> "sp0" + (frameOffset >= 0 ? "+" : "") + frameOffset;
        };
    }
}
