package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JDK methods whose results the analysis computes: FFM layout factories and queries, evaluated with the
 * real {@code java.lang.foreign} implementation of the running JDK on constant parts (so sizes, alignment rules
 * and errors are exactly the JDK's), and a few {@link Math} helpers.
 */
final class KnownMethods {

    private static final String FOREIGN = "java/lang/foreign/";
    private static final Map<String, MemoryLayout> VALUE_LAYOUTS = valueLayouts();

    private KnownMethods() {
    }

    /** The {@code ValueLayout} constant a {@code getstatic} reads, or null. */
    static Value valueLayoutConstant(String owner, String name) {
        if (!(FOREIGN + "ValueLayout").equals(owner)) {
            return null;
        }
        MemoryLayout layout = VALUE_LAYOUTS.get(name);
        return layout == null ? null : Value.layout(layout, 1, 0);
    }

    private static Map<String, MemoryLayout> valueLayouts() {
        Map<String, MemoryLayout> out = new HashMap<>();
        for (Field f : ValueLayout.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && MemoryLayout.class.isAssignableFrom(f.getType())) {
                try {
                    out.put(f.getName(), (MemoryLayout) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("public ValueLayout constant not readable: " + f, e);
                }
            }
        }
        return Map.copyOf(out);
    }

    /** Whether the method is one whose result this class computes (so its arguments do not escape). */
    static boolean isKnown(InvokeInstruction inv) {
        String owner = inv.owner().asInternalName();
        return isLayoutType(owner) || "java/lang/Math".equals(owner);
    }

    /**
     * The result of calling {@code inv} with {@code args} (receiver first for instance methods), or null when
     * this class does not know the method or the arguments are not constant enough.
     */
    static Value apply(InvokeInstruction inv, Value[] args) {
        String owner = inv.owner().asInternalName();
        String name = inv.name().stringValue();
        String desc = inv.type().stringValue();
        if ("java/lang/Math".equals(owner) && inv.opcode() == Opcode.INVOKESTATIC) {
            return math(name, desc, args);
        }
        if (!isLayoutType(owner)) {
            return null;
        }
        List<Value[]> picks = LayoutCombinations.of(args);
        if (picks == null) {
            return null;
        }
        // Each pick of one layout per argument is evaluated; a pick the JDK rejects throws, so it adds nothing.
        Value joined = null;
        for (Value[] pick : picks) {
            Value result;
            try {
                result = inv.opcode() == Opcode.INVOKESTATIC ? layoutFactory(name, desc, pick)
                        : layoutMethod(name, desc, pick);
            } catch (IllegalArgumentException | ArithmeticException | UnsupportedOperationException e) {
                continue;
            }
            if (result == null) {
                return null;
            }
            joined = joined == null ? result : Value.join(joined, result);
        }
        if (joined == null) {
            return null; // every pick throws: the call returns nothing, which says nothing about a size
        }
        return joined.isKnown() ? joined.withDeps(depsOf(args)) : null;
    }

    static boolean isLayoutType(String owner) {
        return owner.startsWith(FOREIGN) && (owner.endsWith("Layout") || owner.contains("Layout$"));
    }

    private static Value layoutFactory(String name, String desc, Value[] args) {
        return switch (name + desc) {
            case "structLayout([Ljava/lang/foreign/MemoryLayout;)Ljava/lang/foreign/StructLayout;" ->
                    members(args[0]) == null ? null
                            : layout(MemoryLayout.structLayout(members(args[0])), args);
            case "unionLayout([Ljava/lang/foreign/MemoryLayout;)Ljava/lang/foreign/UnionLayout;" ->
                    members(args[0]) == null ? null
                            : layout(MemoryLayout.unionLayout(members(args[0])), args);
            case "sequenceLayout(JLjava/lang/foreign/MemoryLayout;)Ljava/lang/foreign/SequenceLayout;" ->
                    isSingle(args[0]) && args[1].layout() != null
                            ? layout(MemoryLayout.sequenceLayout(single(args[0]), args[1].layout()), args) : null;
            case "paddingLayout(J)Ljava/lang/foreign/PaddingLayout;" ->
                    isSingle(args[0]) ? layout(MemoryLayout.paddingLayout(single(args[0])), args) : null;
            default -> null;
        };
    }

    private static Value layoutMethod(String name, String desc, Value[] args) {
        MemoryLayout receiver = args[0].layout();
        if (receiver == null) {
            return null;
        }
        return switch (name) {
            case "byteSize" -> desc.equals("()J") ? constant(receiver.byteSize(), args) : null;
            case "byteAlignment" -> desc.equals("()J") ? constant(receiver.byteAlignment(), args) : null;
            // Names and byte order do not change sizes; keeping the receiver keeps joins of the same layout exact.
            case "withName", "withoutName", "withOrder" -> layout(receiver, args);
            // An address's target layout changes neither its size nor its alignment.
            case "withTargetLayout", "withoutTargetLayout" -> layout(receiver, args);
            case "withByteAlignment" -> isSingle(args[1])
                    ? layout(receiver.withByteAlignment(single(args[1])), args) : null;
            case "elementCount" -> receiver instanceof SequenceLayout s && desc.equals("()J")
                    ? constant(s.elementCount(), args) : null;
            case "withElementCount" -> receiver instanceof SequenceLayout s && isSingle(args[1])
                    ? layout(s.withElementCount(single(args[1])), args) : null;
            default -> null;
        };
    }

    private static MemoryLayout[] members(Value array) {
        if (array.array() == null) {
            return null;
        }
        List<Value> elements = array.array().elements();
        MemoryLayout[] out = new MemoryLayout[elements.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = elements.get(i).layout();
            if (out[i] == null) {
                return null;
            }
        }
        return out;
    }

    private static Value math(String name, String desc, Value[] args) {
        Kind kind = desc.endsWith(")J") ? Kind.LONG : Kind.INT;
        if (desc.equals("(J)I") && name.equals("toIntExact")) {
            return Arithmetic.map(Kind.INT, args[0], IntegralConversion.EXACT_INT);
        }
        if (args.length != 2 || !(desc.equals("(II)I") || desc.equals("(JJ)J"))) {
            return null;
        }
        MathFunction f = MathFunction.of(name, kind == Kind.INT);
        return f == null ? null : Arithmetic.combine(kind, args[0], args[1], f);
    }

    private static boolean isSingle(Value v) {
        return v.hasConstants() && v.constants().isSingle();
    }

    private static long single(Value v) {
        return v.constants().single();
    }

    private static Value layout(MemoryLayout layout, Value[] args) {
        return Value.layout(layout, minReliability(args), 0);
    }

    private static Value constant(long v, Value[] args) {
        return Value.integral(Kind.LONG, ConstantSet.of(v), minReliability(args), 0);
    }

    private static double minReliability(Value[] args) {
        double r = 1;
        for (Value a : args) {
            if (a.isKnown()) {
                r = Math.min(r, a.reliability());
            }
            if (a.array() != null) {
                r = Math.min(r, minReliability(a.array().elements().toArray(new Value[0])));
            }
        }
        return r;
    }

    private static long depsOf(Value[] args) {
        long deps = 0;
        for (Value a : args) {
            deps |= a.deps();
            if (a.array() != null) {
                deps |= depsOf(a.array().elements().toArray(new Value[0]));
            }
        }
        return deps;
    }
}
