package dev.lgmalloc.bench.workload;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The pattern written into every block so that a broken allocator cannot look fast: one word per cache line and
 * the last word, each derived from a random token that only the workload knows. Two owners of overlapping memory
 * overwrite each other's words, and the check at free finds it.
 */
public final class Blocks {

    /** The smallest block the workloads ask for: one pattern word. */
    public static final long MIN_SIZE = 8;

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long LINE = 64;
    private static final long MIX = 0x9E3779B97F4A7C15L;

    private Blocks() {
    }

    /**
     * Writes the pattern of {@code token} into the block: a word at every cache line that ends before the last
     * word, and the last word (so every cache line and page is touched, and words never overlap).
     */
    public static void fill(long address, long size, long token) {
        long tail = size - 8;
        for (long offset = 0; offset + 8 <= tail; offset += LINE) {
            ALL.set(JAVA_LONG_UNALIGNED, address + offset, word(token, offset));
        }
        ALL.set(JAVA_LONG_UNALIGNED, address + tail, word(token, tail));
    }

    /** True when the block still holds the pattern of {@code token}. */
    public static boolean holds(long address, long size, long token) {
        return holdsPrefix(address, size, size, token);
    }

    /**
     * True when the pattern words of a block of {@code size} bytes that lie within its first {@code limit} bytes
     * are intact: what a realloc to {@code limit} bytes must keep.
     */
    public static boolean holdsPrefix(long address, long size, long limit, long token) {
        long tail = size - 8;
        for (long offset = 0; offset + 8 <= tail && offset + 8 <= limit; offset += LINE) {
            if (ALL.get(JAVA_LONG_UNALIGNED, address + offset) != word(token, offset)) {
                return false;
            }
        }
        return size > limit || ALL.get(JAVA_LONG_UNALIGNED, address + tail) == word(token, tail);
    }

    /** Reads the first word, for workloads that update a block in place. */
    public static long firstWord(long address) {
        return ALL.get(JAVA_LONG_UNALIGNED, address);
    }

    /** Writes the first word, for workloads that update a block in place. */
    public static void setFirstWord(long address, long value) {
        ALL.set(JAVA_LONG_UNALIGNED, address, value);
    }

    private static final java.lang.invoke.VarHandle OPAQUE_WORD =
            java.lang.foreign.ValueLayout.JAVA_LONG.varHandle();

    /**
     * Adds one to the (8-byte aligned) first word with opaque accesses: every write reaches memory, so the JIT
     * cannot fold a loop of them into one add, which is what cache-scratch must measure.
     */
    public static void incrementFirstWordInMemory(long address) {
        long v = (long) OPAQUE_WORD.getOpaque(ALL, address);
        OPAQUE_WORD.setOpaque(ALL, address, v + 1);
    }

    private static long word(long token, long offset) {
        return token ^ (offset * MIX);
    }
}
