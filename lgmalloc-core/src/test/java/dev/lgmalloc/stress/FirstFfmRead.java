package dev.lgmalloc.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * The floor under {@link FirstMalloc}: what a fresh JVM pays for the least any FFM allocator must do before its
 * first block, without lgmalloc. It reads one word of native memory through an all-covering segment (how
 * lgmalloc reads and writes its blocks' links), and before that takes 512 KiB from an arena (how lgmalloc gets its
 * first pages before {@code mmap} is linked). {@code scripts/first-malloc} runs it beside {@code FirstMalloc}.
 */
public final class FirstFfmRead {

    private FirstFfmRead() {
    }

    public static void main(String[] args) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        MemorySegment everything = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        long t1 = System.nanoTime();
        long word = everything.get(JAVA_LONG_UNALIGNED, Arena.global().allocate(8).address());
        long t2 = System.nanoTime();
        long c2 = threads.getCurrentThreadCpuTime();
        Arena arena = Arena.ofShared();
        long memory = arena.allocate(512 * 1024, 512 * 1024).address();
        long t3 = System.nanoTime();
        arena.close();
        System.out.printf(Locale.ROOT, "first FFM read %.1f ms (%.1f ms of CPU; the segment %.1f ms), then an arena's "
                + "512 KiB %.1f ms%s%n", (t2 - t0) / 1e6, (c2 - c0) / 1e6, (t1 - t0) / 1e6, (t3 - t2) / 1e6,
                word == 0 && memory != 0 ? "" : " (unexpected contents)");
    }
}
