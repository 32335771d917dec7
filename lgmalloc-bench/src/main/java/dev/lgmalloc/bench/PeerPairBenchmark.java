package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
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
 * The malloc+free pair from 16 B to 1 MiB with every peer: allocate a block, free the one allocated one call
 * earlier (freeing the block just allocated would let the JIT cancel work). 1 MiB is a large block for lgmalloc
 * (above 128 KiB), served from the pages of the one freed a call earlier. Run with {@code -t 1} and
 * {@code -t 2}; each thread has its own previous block.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PeerPairBenchmark {

    @Param({"16", "64", "256", "1024", "4096", "65536", "1048576"})
    public long size;

    private long previous;
    private PeerAllocator allocator;

    @Setup(Level.Trial)
    public void bind(PeerState state) {
        allocator = state.allocator;
    }

    @Benchmark
    public long pair() {
        long p = allocator.malloc(size);
        allocator.free(previous);
        previous = p;
        return p;
    }

    @TearDown(Level.Trial)
    public void freeLast() {
        allocator.free(previous);
        previous = 0;
    }
}
