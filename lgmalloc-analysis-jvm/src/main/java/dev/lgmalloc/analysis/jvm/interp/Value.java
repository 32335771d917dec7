package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.lang.foreign.MemoryLayout;
import java.util.Objects;

/**
 * The abstract value of a stack entry or local.
 *
 * <p>Integral values ({@link Kind#INT}, {@link Kind#LONG}) carry a small set of constants, or null for unknown
 * (an unknown {@link ConstantSet} is stored as null, so that "has constants" is one null test).
 * References may be known layouts ({@link LayoutChoices}: one or a few {@link MemoryLayout}s built with the real FFM
 * factories from constant parts, or only null), a {@link TrackedArray}, and may have a static type. Every value records how reliable it is (the assumptions it
 * rests on can break at run time) and which parameters of the analysed method it derives from.
 *
 * @param kind        what the slot holds
 * @param constants   for INT and LONG, the possible values, or null when unknown
 * @param layouts     for REF, the layouts it may be, or null when unknown
 * @param array       for REF, the tracked array it is known to be, or null
 * @param refType     for REF, its static type as an internal name (or array descriptor), or null when unknown
 * @param reliability in [0, 1], 1 for facts that cannot change at run time
 * @param deps        bit i set when the value derives from parameter i of the analysed method (bit 63: i >= 63)
 */
public record Value(Kind kind, ConstantSet constants, LayoutChoices layouts, TrackedArray array, String refType,
                    double reliability, long deps) {

    private static final Value EMPTY = new Value(Kind.EMPTY, null, null, null, null, 1, 0);

    public Value {
        Objects.requireNonNull(kind, "kind");
        if (constants != null && !constants.isKnown()) {
            constants = null;
        }
        if (kind != Kind.INT && kind != Kind.LONG && constants != null) {
            throw new IllegalArgumentException("only integral values have constants");
        }
        if (kind != Kind.REF && (layouts != null || array != null || refType != null)) {
            throw new IllegalArgumentException("only references have layouts, arrays or types");
        }
        if (constants == null && layouts == null && array == null) {
            reliability = 1; // an unknown value asserts nothing, so there is nothing to be unreliable about
        }
    }

    /** The value of a local that holds nothing usable. */
    public static Value empty() {
        return EMPTY;
    }

    /** An unknown value of {@code kind}. */
    public static Value unknown(Kind kind) {
        return kind == Kind.EMPTY ? EMPTY : new Value(kind, null, null, null, null, 1, 0);
    }

    /** An unknown reference of static type {@code type} (may be null). */
    public static Value ref(String type) {
        return new Value(Kind.REF, null, null, null, type, 1, 0);
    }

    /** The int constant {@code v}. */
    public static Value intConstant(int v) {
        return new Value(Kind.INT, ConstantSet.of(v), null, null, null, 1, 0);
    }

    /** The long constant {@code v}. */
    public static Value longConstant(long v) {
        return new Value(Kind.LONG, ConstantSet.of(v), null, null, null, 1, 0);
    }

    /** An integral value of {@code kind} with the given constants (null for unknown). */
    public static Value integral(Kind kind, ConstantSet constants, double reliability, long deps) {
        if (kind != Kind.INT && kind != Kind.LONG) {
            throw new IllegalArgumentException("not integral: " + kind);
        }
        return new Value(kind, constants, null, null, null, reliability, deps);
    }

    /** A known layout. */
    public static Value layout(MemoryLayout layout, double reliability, long deps) {
        return layouts(LayoutChoices.of(layout), reliability, deps);
    }

    /** One of a few known layouts (or only null, when {@code choices} is empty). */
    public static Value layouts(LayoutChoices choices, double reliability, long deps) {
        return new Value(Kind.REF, null, choices, null, "java/lang/foreign/MemoryLayout", reliability, deps);
    }

    /** A layout reference of static type {@code type} that is still null: a static field before its assignment. */
    public static Value nullLayout(String type) {
        return new Value(Kind.REF, null, LayoutChoices.onlyNull(), null, type, 1, 0);
    }

    /** The layout this reference is when it can be only one, else null. */
    public MemoryLayout layout() {
        return layouts == null ? null : layouts.single();
    }

    /** A tracked array of static type {@code type}. */
    public static Value array(TrackedArray array, String type, long deps) {
        return new Value(Kind.REF, null, null, array, type, 1, deps);
    }

    /** Whether the value asserts something: constants, a layout or a tracked array. */
    public boolean isKnown() {
        return constants != null || layouts != null || array != null;
    }

    /** Whether this is an integral value with known constants. */
    public boolean hasConstants() {
        return constants != null;
    }

    /** This value with its facts forgotten (kind, static type and dependencies kept). */
    public Value forget() {
        return isKnown() ? new Value(kind, null, null, null, refType, 1, deps) : this;
    }

    /** This value with reliability {@code r}. */
    public Value withReliability(double r) {
        return new Value(kind, constants, layouts, array, refType, r, deps);
    }

    /** This value additionally depending on {@code moreDeps}. */
    public Value withDeps(long moreDeps) {
        return (deps | moreDeps) == deps ? this
                : new Value(kind, constants, layouts, array, refType, reliability, deps | moreDeps);
    }

    /** This value without dependencies: for a fact handed to another method, whose parameters differ. */
    public Value independent() {
        return deps == 0 ? this : new Value(kind, constants, layouts, array, refType, reliability, 0);
    }

    /** This reference as one of {@code choices}. */
    public Value withLayouts(LayoutChoices choices) {
        return new Value(kind, constants, choices, array, refType, reliability, deps);
    }

    /** This reference as the tracked array {@code tracked}. */
    public Value withArray(TrackedArray tracked) {
        return new Value(kind, constants, layouts, tracked, refType, reliability, deps);
    }

    /** This reference with static type {@code type}. */
    public Value withRefType(String type) {
        return new Value(kind, constants, layouts, array, type, reliability, deps);
    }

    /** The dependency bit of parameter {@code index}. */
    public static long paramBit(int index) {
        return 1L << Math.min(index, 63);
    }

    /**
     * The least upper bound: constants and layouts are united (too many become unknown; a layout reference that
     * is only null adds nothing), different arrays become unknown, reliabilities take the minimum and dependencies the union. Different kinds give EMPTY.
     */
    public static Value join(Value a, Value b) {
        if (a.equals(b)) {
            return a;
        }
        if (a.kind != b.kind) {
            return EMPTY;
        }
        long deps = a.deps | b.deps;
        double reliability = Math.min(a.reliability, b.reliability);
        return switch (a.kind) {
            case INT, LONG -> new Value(a.kind,
                    a.constants == null || b.constants == null ? null : a.constants.union(b.constants),
                    null, null, null, reliability, deps);
            case REF -> {
                LayoutChoices layouts = a.layouts != null && b.layouts != null ? a.layouts.union(b.layouts) : null;
                TrackedArray array = a.array != null && b.array != null ? a.array.join(b.array) : null;
                String type = Objects.equals(a.refType, b.refType) ? a.refType : null;
                yield new Value(Kind.REF, null, layouts, array, type, reliability, deps);
            }
            case FLOAT, DOUBLE, EMPTY -> new Value(a.kind, null, null, null, null, 1, deps);
        };
    }

    @Override
    public String toString() {
        String facts = constants != null ? constants.toString()
                : layouts != null ? layouts.toString()
                : array != null ? "array@" + array.id() + array.elements()
                : "?";
        return kind + (refType != null ? "<" + refType + ">" : "") + facts
                + (reliability < 1 ? " r=" + reliability : "") + (deps != 0 ? " deps=" + Long.toHexString(deps) : "");
    }
}
