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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate 1000 blocks, then free them all, with every peer; sizes are drawn once (fixed seed) from a
 * log-uniform distribution over 16 B-4 KiB, so every doubling is as likely. The score is per malloc+free pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PeerBatchBenchmark {

    static final int BATCH = 1000;

    private final long[] sizes = logUniformSizes(new SplittableRandom(42), BATCH, 16, 4096);
    private final long[] blocks = new long[BATCH];

    private PeerAllocator peer;

    @Setup(Level.Trial)
    public void bind(PeerState state) {
        peer = state.allocator;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batch() {
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = peer.malloc(sizes[i]);
        }
        for (int i = 0; i < BATCH; i++) {
            peer.free(blocks[i]);
        }
    }

    static long[] logUniformSizes(SplittableRandom random, int count, long min, long max) {
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = (long) (min * Math.pow((double) max / min, random.nextDouble()));
        }
        return sizes;
    }
}
