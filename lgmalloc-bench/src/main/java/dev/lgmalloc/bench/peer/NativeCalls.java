package dev.lgmalloc.bench.peer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The downcall handles of the one native allocator this JVM measures, in {@code static final} fields so that
 * the JIT inlines the downcall as it would for a hand-written binding. Binding a second, different allocator in
 * the same JVM is refused: each native allocator runs in its own JVM, as in mimalloc-bench.
 */
final class NativeCalls {

    private static Binding bound;

    private record Binding(NativeLibrary library, boolean critical, SymbolLookup lookup, MethodHandle malloc,
            MethodHandle free, MethodHandle realloc) {
    }

    private NativeCalls() {
    }

    /** Binds this JVM's native allocator; returns its lookup (for version and release calls). */
    static synchronized SymbolLookup bind(NativeLibrary library, boolean critical) {
        if (bound != null) {
            if (bound.library() == library && bound.critical() == critical) {
                return bound.lookup();
            }
            throw new IllegalStateException("this JVM already calls " + bound.library().displayName()
                    + (bound.critical() ? " (critical)" : "") + "; each native allocator runs in its own JVM");
        }
        SymbolLookup lookup = library.open();
        Linker linker = Linker.nativeLinker();
        Linker.Option[] options = critical ? new Linker.Option[] {Linker.Option.critical(false)}
                : new Linker.Option[0];
        bound = new Binding(library, critical, lookup,
                linker.downcallHandle(lookup.findOrThrow(library.mallocSymbol),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), options),
                linker.downcallHandle(lookup.findOrThrow(library.freeSymbol),
                        FunctionDescriptor.ofVoid(JAVA_LONG), options),
                linker.downcallHandle(lookup.findOrThrow(library.reallocSymbol),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), options));
        return lookup;
    }

    /** Initialised on first call, after {@link #bind}; its fields are constants to the JIT. */
    private static final class Handles {
        static final MethodHandle MALLOC = boundOrThrow().malloc();
        static final MethodHandle FREE = boundOrThrow().free();
        static final MethodHandle REALLOC = boundOrThrow().realloc();
    }

    private static synchronized Binding boundOrThrow() {
        if (bound == null) {
            throw new IllegalStateException("no native allocator bound in this JVM");
        }
        return bound;
    }

    static long malloc(long size) {
        try {
            return (long) Handles.MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void free(long address) {
        try {
            Handles.FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long realloc(long address, long size) {
        try {
            return (long) Handles.REALLOC.invokeExact(address, size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
