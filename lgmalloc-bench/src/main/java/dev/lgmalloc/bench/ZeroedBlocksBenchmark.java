package dev.lgmalloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.lgmalloc.LgArena;
import dev.lgmalloc.LgMalloc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A zeroed buffer taken, written and given back, over and over: {@code calloc} and an arena's segment, beside
 * glibc's {@code calloc} and the JDK's confined arena. The program writes one byte per 4 KiB page, so a buffer
 * whose pages were dropped pays a page fault for each; one byte per page rather than a fill, so that what is
 * measured is the allocator's zeroing and the pages' state, not the program's writes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ZeroedBlocksBenchmark {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long OS_PAGE = 4096;

    /** 64 KiB is an extent for lgmalloc; from 256 KiB a large block of its own mapping. */
    @Param({"65536", "262144", "1048576", "4194304"})
    public long size;

    @Benchmark
    public long lgmallocCalloc() {
        long p = LgMalloc.calloc(1, size);
        long sum = touch(ALL, p, size);
        LgMalloc.free(p);
        return sum;
    }

    @Benchmark
    public long glibcCalloc() {
        long p = Glibc.callocCritical(1, size);
        long sum = touch(ALL, p, size);
        Glibc.freeCritical(p);
        return sum;
    }

    @Benchmark
    public long lgArena() {
        try (Arena arena = LgArena.ofConfined()) {
            MemorySegment s = arena.allocate(size);
            return touch(s, 0, size);
        }
    }

    @Benchmark
    public long jdkArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(size);
            return touch(s, 0, size);
        }
    }

    /** Reads then writes one byte of every page: the sum proves the bytes were zero. */
    private static long touch(MemorySegment segment, long start, long size) {
        long sum = 0;
        for (long offset = 0; offset < size; offset += OS_PAGE) {
            sum += segment.get(JAVA_BYTE, start + offset);
            segment.set(JAVA_BYTE, start + offset, (byte) 1);
        }
        return sum;
    }
}
