package dev.lgmalloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * glibc's malloc and free through FFM downcalls, plain and {@code critical} (no thread-state transition), and its
 * calloc as a critical one.
 */
public final class Glibc {

    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle MALLOC_CRITICAL;
    private static final MethodHandle FREE_CRITICAL;
    private static final MethodHandle CALLOC_CRITICAL;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        FunctionDescriptor mallocType = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG);
        FunctionDescriptor freeType = FunctionDescriptor.ofVoid(JAVA_LONG);
        Linker.Option critical = Linker.Option.critical(false);
        MALLOC = linker.downcallHandle(libc.findOrThrow("malloc"), mallocType);
        FREE = linker.downcallHandle(libc.findOrThrow("free"), freeType);
        MALLOC_CRITICAL = linker.downcallHandle(libc.findOrThrow("malloc"), mallocType, critical);
        FREE_CRITICAL = linker.downcallHandle(libc.findOrThrow("free"), freeType, critical);
        CALLOC_CRITICAL = linker.downcallHandle(libc.findOrThrow("calloc"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
    }

    private Glibc() {
    }

    public static long malloc(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long mallocCritical(long size) {
        try {
            return (long) MALLOC_CRITICAL.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void freeCritical(long address) {
        try {
            FREE_CRITICAL.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long callocCritical(long count, long size) {
        try {
            return (long) CALLOC_CRITICAL.invokeExact(count, size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
