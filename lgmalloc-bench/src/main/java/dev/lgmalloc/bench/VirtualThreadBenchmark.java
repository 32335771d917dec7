package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The malloc+free pair on a virtual thread, beside the same pair on the benchmark's own platform thread, for
 * every peer. Each invocation runs {@link #PAIRS} pairs: on a virtual thread started for them (as a server
 * starts one per task; its start and join, a few microseconds, are spread over the pairs), or on the calling
 * thread. Native allocators see a virtual thread's calls on its carrier, whose thread cache they use;
 * lgmalloc uses the carrier's heap (the fork exports {@code jdk.internal.access} to it, as lgmalloc's agent does),
 * or borrows a stripe per call without that.
 *
 * <pre>java -jar lgmalloc-bench/target/lgmalloc-benchmarks.jar VirtualThreadBenchmark \
 *     -p peer=lgmalloc,glibc-critical,jemalloc-critical</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The export lets lgmalloc see carriers, as its agent does: virtual threads then use their carriers' heaps. For
// stripes: -jvmArgsAppend "--enable-native-access=ALL-UNNAMED -Dlgmalloc.carrierHeaps=false".
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"})
@State(Scope.Thread)
public class VirtualThreadBenchmark {

    static final int PAIRS = 100_000;
    static final int MANY = 100;

    @Param({"64"})
    public long size;

    /**
     * {@code virtual}: one virtual thread does all the pairs; {@code virtual-many}: {@link #MANY} virtual threads
     * share them, all started at once, so the carriers switch between them (a server's shape); {@code platform}:
     * the benchmark's own thread.
     */
    @Param({"virtual", "virtual-many", "platform"})
    public String thread;

    private PeerAllocator allocator;

    @Setup(Level.Trial)
    public void bind(PeerState state) {
        allocator = state.allocator;
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public long pairs() throws InterruptedException {
        switch (thread) {
            case "virtual" -> {
                Pairs pairs = new Pairs(allocator, size, PAIRS);
                Thread.ofVirtual().start(pairs).join();
                return pairs.checksum;
            }
            case "virtual-many" -> {
                Pairs[] shares = new Pairs[MANY];
                Thread[] threads = new Thread[MANY];
                for (int i = 0; i < MANY; i++) {
                    shares[i] = new Pairs(allocator, size, PAIRS / MANY);
                    threads[i] = Thread.ofVirtual().start(shares[i]);
                }
                long checksum = 0;
                for (int i = 0; i < MANY; i++) {
                    threads[i].join();
                    checksum += shares[i].checksum;
                }
                return checksum;
            }
            default -> {
                Pairs pairs = new Pairs(allocator, size, PAIRS);
                pairs.run();
                return pairs.checksum;
            }
        }
    }

    /**
     * Pairs, each freeing the block of the pair before, as {@link PeerPairBenchmark} does; a virtual thread among
     * many yields now and then, as one waiting on I/O would, so that its carrier runs the others in between.
     */
    private static final class Pairs implements Runnable {
        private final PeerAllocator allocator;
        private final long size;
        private final int count;
        long checksum;

        Pairs(PeerAllocator allocator, long size, int count) {
            this.allocator = allocator;
            this.size = size;
            this.count = count;
        }

        @Override
        public void run() {
            long previous = 0;
            long sum = 0;
            for (int i = 0; i < count; i++) {
                long p = allocator.malloc(size);
                allocator.free(previous);
                previous = p;
                sum += p;
                if (count < PAIRS && (i & 63) == 63) {
                    Thread.yield();
                }
            }
            allocator.free(previous);
            checksum = sum;
        }
    }
}
