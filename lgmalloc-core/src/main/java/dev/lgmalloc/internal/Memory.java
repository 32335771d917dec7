package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * Raw reads and writes of native memory by address, through FFM only.
 *
 * <p>One segment spanning the whole address space, created once, lets the JIT treat every access as a
 * bounds-checked access to a constant segment; {@code lgmalloc-bench}'s {@code RawAccessBenchmark} compares
 * it with a per-access {@code MemorySegment.ofAddress(a).reinterpret(8)}.
 */
public final class Memory {

    /** Every address: the base of all raw accesses. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Memory() {
    }

    public static long getLong(long address) {
        return ALL.get(JAVA_LONG_UNALIGNED, address);
    }

    public static void putLong(long address, long value) {
        ALL.set(JAVA_LONG_UNALIGNED, address, value);
    }

    /** Copies {@code bytes} bytes; the ranges may overlap. */
    public static void copy(long from, long to, long bytes) {
        MemorySegment.copy(ALL, from, ALL, to, bytes);
    }

    /** Sets {@code bytes} bytes at {@code address} to zero. */
    public static void zero(long address, long bytes) {
        ALL.asSlice(address, bytes).fill((byte) 0);
    }
}
