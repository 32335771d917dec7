package dev.lgmalloc.analysis.jvm.interp;

/** What the interpreter asks about the world outside the method: static fields of other classes. */
@FunctionalInterface
public interface InterpreterContext {

    /**
     * The value a {@code getstatic owner.name:descriptor} reads, or null when nothing is known about it.
     * Called for fields the interpreter does not know itself (it knows the {@code ValueLayout} constants and,
     * inside a {@code <clinit>}, the class's own fields).
     */
    Value staticField(String owner, String name, String descriptor);

    /**
     * The value an {@code invokestatic owner.name:descriptor} of a method without parameters returns, or null when
     * nothing is known about it (the default).
     */
    default Value returnValue(String owner, String name, String descriptor) {
        return null;
    }

    /** A context that knows nothing. */
    static InterpreterContext none() {
        return (owner, name, descriptor) -> null;
    }
}
