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
 * (16 B-4 KiB log-uniform by default), as a cache or a server's request table does. Scores are per replacement.
 * The sizes and the blocks replaced repeat every {@code table} operations: give a table of at least K to reach every
 * block ({@code -p minSize=8192 -p maxSize=32768 -p liveBlocks=16384 -p table=16384}: a large live set of extents).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PeerLiveSetBenchmark {

    @Param({"1000", "100000"})
    public int liveBlocks;

    @Param({"16"})
    public long minSize;

    @Param({"4096"})
    public long maxSize;

    /** Replacements before the sizes and victims repeat: a power of two. */
    @Param({"4096"})
    public int table;

    private long[] blocks;
    private long[] sizes;
    private int[] victims;
    private int next;
    private PeerAllocator allocator;

    @Setup(Level.Trial)
    public void fill(PeerState state) {
        allocator = state.allocator;
        if (Integer.bitCount(table) != 1) {
            throw new IllegalArgumentException("table must be a power of two: " + table);
        }
        SplittableRandom random = new SplittableRandom(7);
        sizes = PeerBatchBenchmark.logUniformSizes(random, table, minSize, maxSize);
        victims = random.ints(table, 0, liveBlocks).toArray();
        blocks = new long[liveBlocks];
        for (int i = 0; i < liveBlocks; i++) {
            blocks[i] = allocator.malloc(sizes[i % table]);
        }
    }

    @Benchmark
    public long replace() {
        int i = next++ & (table - 1);
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
