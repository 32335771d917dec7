package dev.lgmalloc.bench;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.LgArena;
import dev.lgmalloc.LgMalloc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
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
 * The same 64-byte pair through each way in: the raw pair, {@code alignedAlloc(16, n)}, a global-scope segment,
 * the allocator as a {@link SegmentAllocator} (an interface call, as library code makes it), and an
 * {@link LgArena} per block. Each should cost within a nanosecond of the raw pair: they all end in the same fast
 * path. The block is freed one call later, as in {@link PairBenchmark}, so the JIT cannot cancel the pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class EntryPointsBenchmark {

    private static final long SIZE = 64;

    private final Allocator allocator = LgMalloc.allocator();
    private SegmentAllocator asSegmentAllocator;
    private long previous;
    private MemorySegment previousSegment;
    private final JavaFreeList floor = new JavaFreeList(SIZE, 1024);
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Setup(Level.Trial)
    public void warm() {
        asSegmentAllocator = allocator;
        previous = allocator.malloc(SIZE);
        previousSegment = allocator.allocate(SIZE);
    }

    @TearDown(Level.Trial)
    public void release() {
        floor.close();
    }

    @Benchmark
    public long rawPair() {
        long p = allocator.malloc(SIZE);
        allocator.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long alignedAlloc16() {
        long p = allocator.alignedAlloc(16, SIZE);
        allocator.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public MemorySegment segment() {
        MemorySegment s = allocator.allocate(SIZE);
        allocator.free(previousSegment);
        previousSegment = s;
        return s;
    }

    @Benchmark
    public MemorySegment segmentAllocator() {
        MemorySegment s = asSegmentAllocator.allocate(SIZE, 16);
        allocator.free(previousSegment);
        previousSegment = s;
        return s;
    }

    /**
     * The floor of any allocator that returns a segment the caller keeps: the Java free list's pair plus one
     * segment object, stored in a field as {@link #segment} stores its own.
     */
    @Benchmark
    public MemorySegment segmentFloor() {
        long p = floor.pop();
        floor.push(previousSegment.address());
        MemorySegment s = ALL.asSlice(p, SIZE);
        previousSegment = s;
        return s;
    }

    @Benchmark
    public long lgArenaPerBlock() {
        try (Arena arena = LgArena.ofConfined()) {
            return arena.allocate(SIZE).address();
        }
    }
}
