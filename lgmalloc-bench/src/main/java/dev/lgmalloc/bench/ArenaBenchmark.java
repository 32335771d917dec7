package dev.lgmalloc.bench;

import dev.lgmalloc.LgArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JDK's arenas and segment allocators as Java programs use them: one arena per batch of 1000 allocations
 * (log-uniform 16 B-4 KiB, the peer batch's sizes), closed once; a slicing allocator over one preallocated
 * segment; and lgmalloc's own arena and segment allocator for the same batch. Scores are per allocation,
 * including the arena's share of the close. Per-allocation arenas are {@code arena-*} in the peer benchmarks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ArenaBenchmark {

    private static final int BATCH = PeerBatchBenchmark.BATCH;

    private final long[] sizes = PeerBatchBenchmark.logUniformSizes(new SplittableRandom(42), BATCH, 16, 4096);
    private final MemorySegment[] segments = new MemorySegment[BATCH];
    private Arena slab;
    private MemorySegment slabMemory;

    @Setup(Level.Trial)
    public void allocateSlab() {
        long total = 0;
        for (long size : sizes) {
            total += (size + 15) & ~15L;
        }
        slab = Arena.ofConfined();
        slabMemory = slab.allocate(total, 16);
    }

    @TearDown(Level.Trial)
    public void freeSlab() {
        slab.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long confinedArenaPerBatch() {
        try (Arena arena = Arena.ofConfined()) {
            return fill(arena);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long sharedArenaPerBatch() {
        try (Arena arena = Arena.ofShared()) {
            return fill(arena);
        }
    }

    /** A bump allocator over memory allocated once: the floor for batch-scoped allocation (no zeroing). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long slicingAllocatorPerBatch() {
        return fill(SegmentAllocator.slicingAllocator(slabMemory));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lgArenaPerBatch() {
        try (Arena arena = LgArena.ofConfined()) {
            return fill(arena);
        }
    }

    private long fill(SegmentAllocator allocator) {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            segments[i] = allocator.allocate(sizes[i], 16);
            sum += segments[i].address();
        }
        return sum;
    }
}
