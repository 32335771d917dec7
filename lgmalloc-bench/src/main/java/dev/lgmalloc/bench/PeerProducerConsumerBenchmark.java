package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * One thread allocates blocks (64 bytes unless {@code -p size} says otherwise) and another frees them, through a
 * single-producer single-consumer ring, with every peer that can free across threads. The result to read is
 * {@code producerConsumer:pairs}, blocks per microsecond that were allocated on one thread and freed on the other
 * ({@link Transfers}); the two sides' own scores also count offers to a full ring and polls of an empty one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PeerProducerConsumerBenchmark {

    /** The ring of one producer/consumer group, and the peer its blocks come from. */
    @State(Scope.Group)
    public static class Channel {
        final ProducerConsumerBenchmark.Ring ring = new ProducerConsumerBenchmark.Ring();
        PeerAllocator allocator;

        /** The block size: {@code -p size=16384} measures blocks that are extents in lgmalloc. */
        @Param({"64"})
        public int size;

        @Setup(Level.Trial)
        public void connect(PeerState state) {
            if (!state.allocator.freesFromAnyThread()) {
                throw new IllegalStateException(state.peer + " cannot free blocks on another thread");
            }
            allocator = state.allocator;
        }

        @TearDown(Level.Trial)
        public void drain() {
            for (long p = ring.poll(); p != 0; p = ring.poll()) {
                allocator.free(p);
            }
        }
    }

    @Benchmark
    @Group("producerConsumer")
    @GroupThreads(1)
    public boolean produce(Channel channel, Transfers transfers) {
        long p = channel.allocator.malloc(channel.size);
        if (!channel.ring.offer(p)) {
            channel.allocator.free(p);
            return false;
        }
        return true;
    }

    @Benchmark
    @Group("producerConsumer")
    @GroupThreads(1)
    public long consume(Channel channel, Transfers transfers) {
        long p = channel.ring.poll();
        if (p != 0) {
            channel.allocator.free(p);
            transfers.pairs++;
        }
        return p;
    }
}
