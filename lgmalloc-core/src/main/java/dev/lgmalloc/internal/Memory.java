package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Raw reads and writes of native memory by address, through FFM only.
 *
 * <p>All accesses go through one segment spanning the address space, created once. A segment made per access
 * ({@code MemorySegment.ofAddress(a).reinterpret(8)}) wins an isolated read+write (0.68 against 1.20 ns in
 * {@code RawAccessBenchmark}) but every {@code reinterpret} re-checks native access with a volatile read, and
 * inside the allocator the 64-byte malloc+free pair measured 10.0 ns with it against 8.2 ns with the global
 * segment (docs/BENCHMARKS.md).
 */
public final class Memory {

    /** Every address: the base of all raw accesses. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * The word access, called directly rather than through {@code ALL.get(layout, offset)}: one call level fewer
     * on every malloc and free. FFM's access path is some ten levels deep, and C2 inlines no deeper than
     * {@code MaxInlineLevel} (15) from the method it compiles: on a virtual thread's free, two levels deeper than
     * a platform thread's, the innermost check of that path was left as a call. Package-private for
     * {@link Heap#malloc}, which must not call even these two methods (see there).
     */
    static final VarHandle WORD = JAVA_LONG_UNALIGNED.varHandle();

    private Memory() {
    }


    /**
     * A global-scope segment of {@code bytes} at {@code address}: a slice of {@link #ALL}, one object and no
     * native-access check, where {@code MemorySegment.ofAddress(a).reinterpret(n)} makes two and re-checks.
     */
    public static MemorySegment segment(long address, long bytes) {
        return ALL.asSlice(address, bytes);
    }

    public static long getLong(long address) {
        return (long) WORD.get(ALL, address);
    }

    public static void putLong(long address, long value) {
        WORD.set(ALL, address, value);
    }

    /** Copies {@code bytes} bytes; the ranges may overlap. */
    public static void copy(long from, long to, long bytes) {
        MemorySegment.copy(ALL, from, ALL, to, bytes);
    }

    /** Sets {@code bytes} bytes at {@code address} to zero. */
    public static void zero(long address, long bytes) {
        ALL.asSlice(address, bytes).fill((byte) 0);
    }

    /**
     * Sets {@code bytes} bytes at {@code address} to zero, from {@link #CLEAR_NATIVE_FROM} bytes up through the C
     * library's {@code memset} once the maintenance thread has linked it ({@link Os#memsetZero}), 2.2-2.7 times as fast here.
     * Apart from {@link #zero}, whose callers' compiled code must stay short enough to inline.
     */
    public static void clear(long address, long bytes) {
        if (bytes < CLEAR_NATIVE_FROM || !Os.memsetZero(address, bytes)) {
            zero(address, bytes);
        }
    }

    /** Below this a downcall costs more than it saves. */
    static final long CLEAR_NATIVE_FROM = 1024;
}
