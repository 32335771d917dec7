package dev.lgmalloc.analysis.jvm.interp;

/** Receives what the interpreter sees when it replays a method's fixpoint, once per instruction. */
public interface MethodObserver {

    /** An invoke instruction, with its arguments' values. */
    void invoke(InvokeEvent event);

    /**
     * In a {@code <clinit>}, an instruction that may start initialising another class (a static field access, a
     * static call, a {@code new}), before it runs: the class's tracked static fields at that point, which the
     * other class's initialiser sees if it reads them (JVMS 5.5: a class being initialised by the current thread
     * reads as it is).
     */
    default void beforeInitialising(String owner, String name, String descriptor, Value[] staticFields) {
    }

    /** A return of a value, with that value. */
    default void valueReturn(Value returned) {
    }

    /** A {@code return} of a {@code <clinit>}: the class's tracked static fields at that point. */
    default void clinitReturn(Value[] staticFields) {
    }
}
