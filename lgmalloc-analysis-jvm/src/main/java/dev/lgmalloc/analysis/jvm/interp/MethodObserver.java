package dev.lgmalloc.analysis.jvm.interp;

/** Receives what the interpreter sees when it replays a method's fixpoint, once per instruction. */
public interface MethodObserver {

    /** An invoke instruction, with its arguments' values. */
    void invoke(InvokeEvent event);

    /** A {@code return} of a {@code <clinit>}: the class's tracked static fields at that point. */
    default void clinitReturn(Value[] staticFields) {
    }
}
