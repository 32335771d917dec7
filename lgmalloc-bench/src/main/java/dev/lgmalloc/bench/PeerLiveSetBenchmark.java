package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.util.SplittableRandom;
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
 * A live set: keep K blocks and, per operation, free a random one and allocate a replacement of a random size
 * (16 B-4 KiB log-uniform), as a cache or a server's request table does. Scores are per replacement.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PeerLiveSetBenchmark {

    private static final int SIZE_TABLE = 4096;

    @Param({"1000", "100000"})
    public int liveBlocks;

    private long[] blocks;
    private long[] sizes;
    private int[] victims;
    private int next;
    private PeerAllocator allocator;

    @Setup(Level.Trial)
    public void fill(PeerState state) {
        allocator = state.allocator;
        SplittableRandom random = new SplittableRandom(7);
        sizes = PeerBatchBenchmark.logUniformSizes(random, SIZE_TABLE, 16, 4096);
        victims = random.ints(SIZE_TABLE, 0, liveBlocks).toArray();
        blocks = new long[liveBlocks];
        for (int i = 0; i < liveBlocks; i++) {
            blocks[i] = allocator.malloc(sizes[i % SIZE_TABLE]);
        }
    }

    @Benchmark
    public long replace() {
        int i = next++ & (SIZE_TABLE - 1);
        int victim = victims[i];
        allocator.free(blocks[victim]);
        long p = allocator.malloc(sizes[i]);
        blocks[victim] = p;
        return p;
    }

    @TearDown(Level.Trial)
    public void freeAll() {
        for (long block : blocks) {
            allocator.free(block);
        }
    }
}
