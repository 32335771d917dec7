package dev.lgmalloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the allocator should touch raw memory: one global segment spanning the address space, or a segment
 * made per access with {@code ofAddress(a).reinterpret(8)} (which C2 may scalar-replace). A free-list pop is a
 * dependent read then a write, so both are measured on a varying address.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RawAccessBenchmark {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Arena arena;
    private long base;
    private int index;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        base = arena.allocate(8192, 64).address();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private long nextAddress() {
        index = (index + 1) & 1023;
        return base + index * 8L;
    }

    @Benchmark
    public long globalSegmentReadWrite() {
        long a = nextAddress();
        long v = ALL.get(JAVA_LONG_UNALIGNED, a);
        ALL.set(JAVA_LONG_UNALIGNED, a, v + 1);
        return v;
    }

    @Benchmark
    public long reinterpretPerAccessReadWrite() {
        long a = nextAddress();
        MemorySegment s = MemorySegment.ofAddress(a).reinterpret(8);
        long v = s.get(JAVA_LONG_UNALIGNED, 0);
        s.set(JAVA_LONG_UNALIGNED, 0, v + 1);
        return v;
    }
}
