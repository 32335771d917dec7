package dev.lgmalloc.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Netty 4.2's direct allocators through their own API ({@code directBuffer} and {@code release}), so no address
 * map distorts them: the pair and the batch of the peer benchmarks. JMH's threads are not Netty's
 * {@code FastThreadLocalThread}s, so the pooled allocator is measured with its defaults (no thread cache for such
 * threads) and with {@code useCacheForAllThreads=true}, the setting Netty documents for them; the adaptive
 * allocator's thread-local magazines need FastThreadLocalThreads, which the suite's {@code netty-adaptive-ftl}
 * peer provides instead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class NettyBenchmark {

    /** One allocator per fork. */
    @State(Scope.Benchmark)
    public static class NettyAllocator {
        @Param({"pooled", "pooled-cached", "adaptive"})
        public String config;

        ByteBufAllocator allocator;

        @Setup(Level.Trial)
        public void create() {
            allocator = switch (config) {
                case "pooled" -> new PooledByteBufAllocator(true);
                case "pooled-cached" -> new PooledByteBufAllocator(true,
                        PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
                        PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                        PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
                        true);
                case "adaptive" -> new AdaptiveByteBufAllocator(true, false);
                default -> throw new IllegalArgumentException("unknown Netty configuration " + config);
            };
        }
    }

    @Param({"64", "1024", "16384"})
    public int size;

    private final int[] batchSizes = java.util.Arrays.stream(
            PeerBatchBenchmark.logUniformSizes(new SplittableRandom(42), PeerBatchBenchmark.BATCH, 16, 4096))
            .mapToInt(s -> (int) s).toArray();
    private final ByteBuf[] batch = new ByteBuf[PeerBatchBenchmark.BATCH];
    private ByteBufAllocator allocator;
    private ByteBuf previous;

    @Setup(Level.Trial)
    public void bind(NettyAllocator state) {
        allocator = state.allocator;
    }

    /** Allocate a buffer, release the one allocated one call earlier. */
    @Benchmark
    public ByteBuf pair() {
        ByteBuf buffer = allocator.directBuffer(size, size);
        if (previous != null) {
            previous.release();
        }
        previous = buffer;
        return buffer;
    }

    /** The peer batch: 1000 buffers of log-uniform sizes 16 B-4 KiB, then release them all (size unused). */
    @Benchmark
    @OperationsPerInvocation(PeerBatchBenchmark.BATCH)
    public void batch() {
        for (int i = 0; i < batch.length; i++) {
            batch[i] = allocator.directBuffer(batchSizes[i], batchSizes[i]);
        }
        for (ByteBuf buffer : batch) {
            buffer.release();
        }
    }

    @TearDown(Level.Trial)
    public void releaseLast() {
        if (previous != null) {
            previous.release();
            previous = null;
        }
    }
}
