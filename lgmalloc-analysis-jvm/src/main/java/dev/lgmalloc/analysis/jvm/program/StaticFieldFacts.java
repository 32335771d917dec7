package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.interp.BadCodeException;
import dev.lgmalloc.analysis.jvm.interp.InterpreterContext;
import dev.lgmalloc.analysis.jvm.interp.Kind;
import dev.lgmalloc.analysis.jvm.interp.MethodInterpreter;
import dev.lgmalloc.analysis.jvm.interp.OwnStatics;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.ConstantValueAttribute;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.Attributes;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the program's static fields hold once their class's initialisation has started: ConstantValue attributes,
 * and the values {@code <clinit>} assigns (found by interpreting it, so {@code static final} layouts built from
 * constant parts are known too). A field that another method of its class also assigns is unknown.
 *
 * <p>Classes whose initialisers start each other's initialisation ({@link InitTriggers}) are evaluated the way the
 * JVM runs them (JVMS 5.5): whichever is initialised first runs its {@code <clinit>}, the others run to the end
 * inside it and read its fields as they are at that point, defaults included. Which class comes first depends on
 * the program's run, so what the cycle's initialisers read of a field is its value at the returns joined with its
 * values at every point where its own initialiser starts another class of the cycle ({@link ClinitRun}); methods
 * run after initialisation read the values at the returns. The cycle's facts are solved in rounds starting from
 * "unknown"; every round is sound, so stopping early only loses precision.
 */
public final class StaticFieldFacts {

    /** How deep a chain of classes whose initialisers read each other's fields is followed. */
    private static final int MAX_CHAIN = 16;
    /** Rounds of a cycle's evaluation: each uses the previous round's facts for the other classes' fields. */
    static final int MAX_CYCLE_ROUNDS = 8;
    /** Cycles of more classes than this are not evaluated: their fields are unknown. */
    static final int MAX_CYCLE = 32;

    private final ClassUniverse universe;
    private final InitTriggers triggers;
    private final Map<String, ClassFacts> byClass = new ConcurrentHashMap<>();
    private final ReturnSummaries returns;

    /**
     * What the fields of one class hold, as {@code name:descriptor} to a known value.
     *
     * @param afterInit  once its initialisation has finished: what every class outside its cycle, and every method
     *                   run after initialisation, reads
     * @param duringInit what the initialisers of the other classes in its cycle may read: also the values it has
     *                   while it starts initialising them
     */
    private record ClassFacts(Map<String, Value> afterInit, Map<String, Value> duringInit) {
        static final ClassFacts NONE = new ClassFacts(Map.of(), Map.of());
    }

    public StaticFieldFacts(ClassUniverse universe) {
        this.universe = universe;
        this.triggers = new InitTriggers(universe);
        this.returns = new ReturnSummaries(universe, contextAtDepth(0));
    }

    /**
     * A context that answers static field reads, and the results of static getters, for a method being analysed
     * other than a {@code <clinit>}.
     */
    public InterpreterContext context() {
        return returns.context();
    }

    /**
     * A context for interpreting {@code className}'s {@code <clinit>}: fields of the classes in its initialisation
     * cycle read as they may be while it runs. Getters' results are not answered: a getter run during
     * initialisation may see fields not yet assigned, which only direct reads are modelled for.
     */
    public InterpreterContext clinitContext(String className) {
        Set<String> cycle = triggers.cycleOf(className);
        if (cycle == null) {
            return InterpreterContext.none();
        }
        return cycle.size() == 1 ? contextAtDepth(0) : cycleContext(cycle, 0, c -> factsOf(c, 0).duringInit());
    }

    private InterpreterContext contextAtDepth(int depth) {
        return new FactsAtDepth(depth);
    }

    /**
     * Reads of other classes' fields as after their initialisation. A named class, as are the loops on the common
     * path below, rather than lambdas: the agent runs this in a cold JVM, where each lambda is a class spun on first
     * use (cycles, which are rare, keep theirs).
     */
    private final class FactsAtDepth implements InterpreterContext {

        private final int depth;

        FactsAtDepth(int depth) {
            this.depth = depth;
        }

        @Override
        public Value staticField(String owner, String name, String descriptor) {
            return read(owner, name, descriptor, depth);
        }
    }

    private Value read(String owner, String name, String descriptor, int depth) {
        if (!isTracked(descriptor)) {
            // No facts are kept about such a field: computing its class's facts only to find none interpreted
            // 134 of the 173 initialisers a java.base analysis ran.
            return null;
        }
        Optional<ClassModel> declaring = StaticFieldOwners.declaringClass(universe, owner, name, descriptor);
        if (declaring.isEmpty()) {
            return null;
        }
        return factsOf(declaring.get().thisClass().asInternalName(), depth).afterInit().get(name + ":" + descriptor);
    }

    private ClassFacts factsOf(String cls, int depth) {
        ClassFacts facts = byClass.get(cls);
        if (facts != null) {
            return facts;
        }
        if (depth >= MAX_CHAIN) {
            return ClassFacts.NONE;
        }
        Set<String> cycle = triggers.cycleOf(cls);
        if (cycle == null || cycle.size() > MAX_CYCLE) {
            byClass.putIfAbsent(cls, ClassFacts.NONE);
        } else if (cycle.size() == 1) {
            Optional<ClassModel> cm = universe.programClass(cls);
            byClass.putIfAbsent(cls, cm.isPresent() ? computeSafely(cm.get(), cycle, contextAtDepth(depth + 1))
                    : ClassFacts.NONE);
        } else {
            solveCycle(cycle, depth).forEach(byClass::putIfAbsent);
        }
        return byClass.get(cls);
    }

    /** Reads of the cycle's classes' fields from {@code during}, of other classes' as after their initialisation. */
    private InterpreterContext cycleContext(Set<String> cycle, int depth,
                                            Function<String, Map<String, Value>> during) {
        return (owner, name, descriptor) -> {
            if (!isTracked(descriptor)) {
                return null; // never among a class's facts
            }
            Optional<ClassModel> declaring = StaticFieldOwners.declaringClass(universe, owner, name, descriptor);
            if (declaring.isEmpty()) {
                return null;
            }
            String cls = declaring.get().thisClass().asInternalName();
            return cycle.contains(cls) ? during.apply(cls).get(name + ":" + descriptor)
                    : read(owner, name, descriptor, depth + 1);
        };
    }

    /**
     * The facts of a cycle's classes: round after round, each class's {@code <clinit>} is interpreted with the
     * other classes' fields as the previous round found them (first: unknown), until nothing changes.
     */
    private Map<String, ClassFacts> solveCycle(Set<String> cycle, int depth) {
        Map<String, ClassFacts> current = new HashMap<>();
        cycle.forEach(c -> current.put(c, ClassFacts.NONE));
        for (int round = 0; round < MAX_CYCLE_ROUNDS; round++) {
            Map<String, ClassFacts> previous = Map.copyOf(current);
            InterpreterContext context = cycleContext(cycle, depth, c -> previous.get(c).duringInit());
            Map<String, ClassFacts> next = new HashMap<>();
            for (String c : cycle) {
                next.put(c, universe.programClass(c).map(cm -> computeSafely(cm, cycle, context))
                        .orElse(ClassFacts.NONE));
            }
            if (next.equals(current)) {
                break;
            }
            current.clear();
            current.putAll(next);
        }
        return current;
    }

    private ClassFacts computeSafely(ClassModel cm, Set<String> cycle, InterpreterContext context) {
        try {
            return compute(cm, cycle, context);
        } catch (RuntimeException malformed) {
            return ClassFacts.NONE; // a method body the ClassFile API cannot read: no facts about this class
        }
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

    private ClassFacts compute(ClassModel cm, Set<String> cycle, InterpreterContext context) {
        List<FieldModel> tracked = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Value> initial = new ArrayList<>();
        List<Boolean> unchanged = new ArrayList<>();
        collectTracked(cm, tracked, keys, initial, unchanged);
        if (tracked.isEmpty()) {
            return ClassFacts.NONE;
        }
        OwnStatics own = own(keys, initial, unchanged);
        ClinitRun run = hasClinit(cm) ? clinitRun(cm, own, cycle, initial, context) : null;
        Value[] afterInit = run == null ? (hasClinit(cm) ? null : initial.toArray(new Value[0])) : run.afterInit();
        Value[] duringInit = run == null ? afterInit : run.duringInit();
        Set<String> assignedElsewhere = assignedOutsideClinit(cm);
        return new ClassFacts(known(tracked, keys, initial, afterInit, assignedElsewhere),
                known(tracked, keys, initial, duringInit, assignedElsewhere));
    }

    private static Map<String, Value> known(List<FieldModel> tracked, List<String> keys, List<Value> initial,
                                            Value[] values, Set<String> assignedElsewhere) {
        Map<String, Value> out = new HashMap<>();
        for (int i = 0; values != null && i < tracked.size(); i++) {
            Value v = values[i];
            if (v == null || !v.isKnown() || assignedElsewhere.contains(keys.get(i))) {
                continue;
            }
            out.put(keys.get(i), discounted(tracked.get(i), v, initial.get(i)).independent());
        }
        return Map.copyOf(out);
    }

    /**
     * A field's value with the reliability of what it rests on. The clinit-final discount is about one reader the
     * analysis does not model (a method called during initialisation), whatever the value was computed from: it
     * caps the reliability instead of multiplying it again at every initialiser a value flows through (which
     * would also let values built from other classes' fields look certain enough to prune branches).
     */
    private static Value discounted(FieldModel f, Value v, Value initial) {
        if (!f.flags().has(AccessFlag.FINAL)) {
            double discount = f.flags().has(AccessFlag.PRIVATE) ? Reliability.PRIVATE_NON_FINAL_STATIC
                    : Reliability.NON_FINAL_STATIC;
            return v.withReliability(v.reliability() * discount);
        }
        boolean untouchedConstant = f.findAttribute(Attributes.constantValue()).isPresent() && v.equals(initial);
        return untouchedConstant ? v : v.withReliability(Math.min(v.reliability(), Reliability.CLINIT_FINAL));
    }

    private static boolean hasClinit(ClassModel cm) {
        return clinitOf(cm) != null;
    }

    private static MethodModel clinitOf(ClassModel cm) {
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString("<clinit>")) {
                return m;
            }
        }
        return null;
    }

    private static boolean anySupertypeIn(ClassModel cm, Set<String> cycle) {
        if (cm.superclass().isPresent() && cycle.contains(cm.superclass().get().asInternalName())) {
            return true;
        }
        for (ClassEntry i : cm.interfaces()) {
            if (cycle.contains(i.asInternalName())) {
                return true;
            }
        }
        return false;
    }

    /** The interpretation of {@code <clinit>}, or null when it cannot be followed. */
    private ClinitRun clinitRun(ClassModel cm, OwnStatics own, Set<String> cycle, List<Value> initial,
                                InterpreterContext context) {
        MethodModel clinit = Objects.requireNonNull(clinitOf(cm));
        String cls = cm.thisClass().asInternalName();
        Set<String> readByCycle = cycle.size() > 1 ? triggers.fieldsReadByOthers(cls, cycle) : Set.of();
        // The superclass and superinterfaces are initialised before <clinit> runs, with the fields as they start.
        boolean supersInCycle = anySupertypeIn(cm, cycle);
        ClinitRun run = new ClinitRun(triggers, cycle, own, readByCycle,
                supersInCycle ? initial.toArray(new Value[0]) : null);
        try {
            new MethodInterpreter(context).interpret(cls, clinit, null, own, run);
        } catch (BadCodeException | IllegalArgumentException e) {
            return null; // an initialiser we cannot follow says nothing about the fields it assigns
        }
        return run;
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

    private static boolean isLayoutType(String descriptor) {
        return descriptor.startsWith("Ljava/lang/foreign/") && descriptor.contains("Layout");
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
            // A layout field is null until assigned: a reader that sees it so gets no size (the use throws).
            default -> isLayoutType(d) ? Value.nullLayout(d.substring(1, d.length() - 1))
                    : Value.ref(d.substring(1, d.length() - 1));
        };
    }
}
