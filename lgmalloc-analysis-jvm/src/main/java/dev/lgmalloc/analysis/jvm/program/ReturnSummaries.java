package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.interp.InterpreterContext;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.MethodInterpreter;
import dev.lgmalloc.analysis.jvm.interp.MethodObserver;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.reflect.AccessFlag;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What static methods without parameters return: the join of the values at their returns, found by interpreting
 * them with the facts about static fields. That is how jextract's {@code point.layout()} (which returns the
 * struct's {@code $LAYOUT}) and other getters of constants become known at their callers. A method that calls
 * itself, directly or not, returns unknown.
 */
final class ReturnSummaries {

    /** How deep a chain of such getters calling each other is followed. */
    private static final int MAX_DEPTH = 8;
    private static final Value UNKNOWN = Value.empty();

    private final ClassUniverse universe;
    private final InterpreterContext fields;
    private final Map<MethodKey, Value> byMethod = new ConcurrentHashMap<>();
    private final ThreadLocal<Set<MethodKey>> inProgress = ThreadLocal.withInitial(HashSet::new);

    /** @param fields what methods read of static fields */
    ReturnSummaries(ClassUniverse universe, InterpreterContext fields) {
        this.universe = universe;
        this.fields = fields;
    }

    /** {@code fields}, answering the results of static getters too. */
    InterpreterContext context() {
        return new InterpreterContext() {
            @Override
            public Value staticField(String owner, String name, String descriptor) {
                return fields.staticField(owner, name, descriptor);
            }

            @Override
            public Value returnValue(String owner, String name, String descriptor) {
                return ReturnSummaries.this.returnValue(owner, name, descriptor);
            }
        };
    }

    private Value returnValue(String owner, String name, String descriptor) {
        Optional<ClassModel> declaring = declaringClass(owner, name, descriptor, 0);
        if (declaring.isEmpty()) {
            return null;
        }
        MethodKey key = new MethodKey(declaring.get().thisClass().asInternalName(), name, descriptor);
        Value cached = byMethod.get(key);
        if (cached != null) {
            return cached == UNKNOWN ? null : cached;
        }
        Set<MethodKey> active = inProgress.get();
        if (active.contains(key) || active.size() >= MAX_DEPTH) {
            return null; // recursion, or too deep: unknown, and not cached (an outer call may know more)
        }
        active.add(key);
        Value result;
        try {
            result = summarise(declaring.get(), name, descriptor);
        } finally {
            active.remove(key);
        }
        byMethod.putIfAbsent(key, result == null ? UNKNOWN : result);
        return result;
    }

    private Value summarise(ClassModel cm, String name, String descriptor) {
        MethodModel method = declared(cm, name, descriptor);
        if (method == null || !method.flags().has(AccessFlag.STATIC) || method.code().isEmpty()) {
            return null;
        }
        Value[] joined = new Value[1];
        MethodObserver returns = new MethodObserver() {
            @Override
            public void invoke(InvokeEvent event) {
            }

            @Override
            public void valueReturn(Value returned) {
                joined[0] = joined[0] == null ? returned : Value.join(joined[0], returned);
            }
        };
        try {
            new MethodInterpreter(context()).interpret(cm.thisClass().asInternalName(), method, null, null, returns);
        } catch (RuntimeException unreadable) {
            return null; // code the interpreter cannot follow says nothing about what it returns
        }
        return joined[0] != null && joined[0].isKnown() ? joined[0].independent() : null;
    }

    // JVMS 5.4.3.3: a static method is looked up in the class, then its superclasses.
    private Optional<ClassModel> declaringClass(String owner, String name, String descriptor, int depth) {
        if (depth > 32) {
            return Optional.empty();
        }
        Optional<ClassModel> cm = universe.programClass(owner);
        if (cm.isEmpty()) {
            return Optional.empty();
        }
        if (declared(cm.get(), name, descriptor) != null) {
            return cm;
        }
        Optional<ClassEntry> superclass = cm.get().superclass();
        return superclass.isPresent()
                ? declaringClass(superclass.get().asInternalName(), name, descriptor, depth + 1) : Optional.empty();
    }

    /** The method {@code cm} declares with that name and descriptor, or null (a loop: no lambda in a cold agent). */
    private static MethodModel declared(ClassModel cm, String name, String descriptor) {
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString(name) && m.methodType().equalsString(descriptor)) {
                return m;
            }
        }
        return null;
    }
}
