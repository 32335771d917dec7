package dev.lgmalloc.bench;

import dev.lgmalloc.internal.Memory;
import dev.lgmalloc.internal.Os;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ways lgmalloc zeroes memory, on one resident buffer: a segment's {@code fill} ({@code Memory.zero}), the C
 * library's {@code memset} through a critical downcall ({@code Memory.clear}), and {@code Os.zero}, which asks
 * {@code mincore} which pages are resident before it writes them (what zeroing a kept large mapping costs; whole
 * pages only, so at 1 KiB it zeroes the buffer's one 4 KiB page).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ZeroingBenchmark {

    @Param({"1024", "65536", "262144", "1048576"})
    public long size;

    private Arena arena;
    private long buffer;

    @Setup(Level.Trial)
    public void allocate() {
        Os.linkRest();                   // memset, which the maintenance thread links in a running program
        arena = Arena.ofConfined();
        MemorySegment segment = arena.allocate(wholePages(), Os.PAGE_SIZE);
        segment.fill((byte) 1);          // resident
        buffer = segment.address();
    }

    @TearDown(Level.Trial)
    public void release() {
        arena.close();
    }

    private long wholePages() {
        return (size + Os.PAGE_SIZE - 1) & -Os.PAGE_SIZE;
    }

    @Benchmark
    public long segmentFill() {
        Memory.zero(buffer, size);
        return buffer;
    }

    @Benchmark
    public long memset() {
        Memory.clear(buffer, size);
        return buffer;
    }

    @Benchmark
    public long residentPagesAskedFirst() {
        Os.zero(buffer, wholePages());
        return buffer;
    }
}
