package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.interp.BadCodeException;
import dev.lgmalloc.analysis.jvm.interp.InterpreterContext;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.Kind;
import dev.lgmalloc.analysis.jvm.interp.MethodInterpreter;
import dev.lgmalloc.analysis.jvm.interp.MethodObserver;
import dev.lgmalloc.analysis.jvm.interp.OwnStatics;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.ConstantValueAttribute;
import java.lang.classfile.Attributes;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the program's static fields hold once their class is initialised: ConstantValue attributes, and the
 * values {@code <clinit>} assigns (found by interpreting it, so {@code static final} layouts built from
 * constant parts are known too). A field that another method of its class also assigns is unknown.
 */
public final class StaticFieldFacts {

    /** How deep a chain of classes whose initialisers read each other's fields is followed. */
    private static final int MAX_CHAIN = 8;

    private final ClassUniverse universe;
    private final Map<String, Map<String, Value>> byClass = new ConcurrentHashMap<>();

    public StaticFieldFacts(ClassUniverse universe) {
        this.universe = universe;
    }

    /** A context that answers static field reads for a method being analysed. */
    public InterpreterContext context() {
        return contextResolving(Set.of());
    }

    private InterpreterContext contextResolving(Set<String> resolving) {
        return (owner, name, descriptor) -> read(owner, name, descriptor, resolving);
    }

    private Value read(String owner, String name, String descriptor, Set<String> resolving) {
        Optional<ClassModel> declaring = declaringClass(owner, name, descriptor, 0);
        if (declaring.isEmpty()) {
            return null;
        }
        String cls = declaring.get().thisClass().asInternalName();
        Map<String, Value> facts = byClass.get(cls);
        if (facts == null) {
            if (resolving.contains(cls) || resolving.size() >= MAX_CHAIN) {
                return null; // circular initialisation: the field may still hold its default when read
            }
            try {
                facts = compute(declaring.get(), resolving);
            } catch (RuntimeException malformed) {
                facts = Map.of(); // a method body the ClassFile API cannot read: no facts about this class
            }
            byClass.putIfAbsent(cls, facts);
        }
        return facts.get(name + ":" + descriptor);
    }

    // JVMS 5.4.3.2: a field is looked up in the class, then its superinterfaces, then its superclass.
    private Optional<ClassModel> declaringClass(String owner, String name, String descriptor, int depth) {
        if (depth > 32) {
            return Optional.empty();
        }
        Optional<ClassModel> cm = universe.programClass(owner);
        if (cm.isEmpty()) {
            return Optional.empty();
        }
        for (FieldModel f : cm.get().fields()) {
            if (f.fieldName().equalsString(name) && f.fieldType().equalsString(descriptor)) {
                return f.flags().has(AccessFlag.STATIC) ? cm : Optional.empty();
            }
        }
        for (ClassEntry itf : cm.get().interfaces()) {
            Optional<ClassModel> found = declaringClass(itf.asInternalName(), name, descriptor, depth + 1);
            if (found.isPresent()) {
                return found;
            }
        }
        return cm.get().superclass()
                .flatMap(s -> declaringClass(s.asInternalName(), name, descriptor, depth + 1));
    }

    /** The static fields of {@code cm} to track while interpreting its {@code <clinit>}. */
    public OwnStatics ownStatics(ClassModel cm) {
        List<String> keys = new ArrayList<>();
        List<Value> initial = new ArrayList<>();
        List<Boolean> unchanged = new ArrayList<>();
        collectTracked(cm, new ArrayList<>(), keys, initial, unchanged);
        return own(keys, initial, unchanged);
    }

    private static OwnStatics own(List<String> keys, List<Value> initial, List<Boolean> unchanged) {
        boolean[] unchangedByCalls = new boolean[unchanged.size()];
        for (int i = 0; i < unchangedByCalls.length; i++) {
            unchangedByCalls[i] = unchanged.get(i);
        }
        return new OwnStatics(keys, initial, unchangedByCalls);
    }

    private static void collectTracked(ClassModel cm, List<FieldModel> tracked, List<String> keys,
                                       List<Value> initial, List<Boolean> unchanged) {
        for (FieldModel f : cm.fields()) {
            if (!f.flags().has(AccessFlag.STATIC) || !isTracked(f.fieldType().stringValue())) {
                continue;
            }
            tracked.add(f);
            keys.add(f.fieldName().stringValue() + ":" + f.fieldType().stringValue());
            initial.add(initialValue(f));
            // Since class file version 53 only <clinit> may assign a static final field.
            unchanged.add(f.flags().has(AccessFlag.FINAL) && cm.majorVersion() >= 53);
        }
    }

    private Map<String, Value> compute(ClassModel cm, Set<String> resolving) {
        List<FieldModel> tracked = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Value> initial = new ArrayList<>();
        List<Boolean> unchanged = new ArrayList<>();
        collectTracked(cm, tracked, keys, initial, unchanged);
        if (tracked.isEmpty()) {
            return Map.of();
        }
        OwnStatics own = own(keys, initial, unchanged);
        Value[] atEnd = hasClinit(cm) ? clinitResult(cm, own, resolving) : initial.toArray(Value[]::new);
        Set<String> assignedElsewhere = assignedOutsideClinit(cm);
        Map<String, Value> out = new HashMap<>();
        for (int i = 0; i < tracked.size(); i++) {
            FieldModel f = tracked.get(i);
            String key = keys.get(i);
            Value v = atEnd == null ? null : atEnd[i];
            if (v == null || !v.isKnown() || assignedElsewhere.contains(key)) {
                continue;
            }
            out.put(key, v.withReliability(v.reliability() * discount(f, v.equals(initial.get(i)))).independent());
        }
        return Map.copyOf(out);
    }

    private static double discount(FieldModel f, boolean untouchedConstantValue) {
        if (!f.flags().has(AccessFlag.FINAL)) {
            return f.flags().has(AccessFlag.PRIVATE) ? Reliability.PRIVATE_NON_FINAL_STATIC
                    : Reliability.NON_FINAL_STATIC;
        }
        boolean constantValue = f.findAttribute(Attributes.constantValue()).isPresent();
        return constantValue && untouchedConstantValue ? 1 : Reliability.CLINIT_FINAL;
    }

    private static boolean hasClinit(ClassModel cm) {
        return cm.methods().stream().anyMatch(m -> m.methodName().equalsString("<clinit>"));
    }

    /** The tracked fields' values at {@code <clinit>}'s returns, or null when they are unknown. */
    private Value[] clinitResult(ClassModel cm, OwnStatics own, Set<String> resolving) {
        Optional<MethodModel> clinit = cm.methods().stream()
                .filter(m -> m.methodName().equalsString("<clinit>")).findFirst();
        if (clinit.isEmpty()) {
            return null; // filled in by the caller from the initial values
        }
        Set<String> deeper = new HashSet<>(resolving);
        deeper.add(cm.thisClass().asInternalName());
        Value[][] joined = new Value[1][];
        MethodObserver observer = new MethodObserver() {
            @Override
            public void invoke(InvokeEvent event) {
            }

            @Override
            public void clinitReturn(Value[] statics) {
                if (joined[0] == null) {
                    joined[0] = statics.clone();
                } else {
                    for (int i = 0; i < statics.length; i++) {
                        joined[0][i] = Value.join(joined[0][i], statics[i]);
                    }
                }
            }
        };
        try {
            new MethodInterpreter(contextResolving(Set.copyOf(deeper)))
                    .interpret(cm.thisClass().asInternalName(), clinit.get(), null, own, observer);
        } catch (BadCodeException | IllegalArgumentException e) {
            return null; // an initialiser we cannot follow says nothing about the fields it assigns
        }
        return joined[0];
    }

    private static Set<String> assignedOutsideClinit(ClassModel cm) {
        String cls = cm.thisClass().asInternalName();
        Set<String> out = new HashSet<>();
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString("<clinit>") || m.code().isEmpty()) {
                continue;
            }
            for (CodeElement e : m.code().get()) {
                if (e instanceof FieldInstruction fi && fi.opcode() == Opcode.PUTSTATIC
                        && fi.owner().asInternalName().equals(cls)) {
                    out.add(fi.name().stringValue() + ":" + fi.type().stringValue());
                }
            }
        }
        return out;
    }

    /** Integral fields and FFM references (layouts) can hold facts the analysis uses. */
    private static boolean isTracked(String descriptor) {
        return switch (descriptor) {
            case "I", "J", "S", "B", "C", "Z" -> true;
            default -> descriptor.startsWith("Ljava/lang/foreign/");
        };
    }

    private static Value initialValue(FieldModel f) {
        String d = f.fieldType().stringValue();
        Kind kind = d.equals("J") ? Kind.LONG : d.startsWith("L") ? Kind.REF : Kind.INT;
        Optional<ConstantValueAttribute> cv = f.findAttribute(Attributes.constantValue());
        if (cv.isPresent()) {
            Object c = cv.get().constant().constantValue();
            if (c instanceof Integer i && kind == Kind.INT) {
                return Value.intConstant(i);
            }
            if (c instanceof Long l && kind == Kind.LONG) {
                return Value.longConstant(l);
            }
        }
        return switch (kind) {
            case INT -> Value.intConstant(0);
            case LONG -> Value.longConstant(0);
            default -> Value.ref(d.substring(1, d.length() - 1));
        };
    }
}
