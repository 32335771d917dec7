package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread allocates 64-byte blocks and hands them to another thread that frees them, through a
 * single-producer single-consumer ring. The pair rate is {@code <group>:pairs} ({@link Transfers}): blocks per
 * microsecond allocated on one thread and freed on the other. The two sides' own scores also count offers to a
 * full ring and polls of an empty one, so they are not pair rates.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ProducerConsumerBenchmark {

    /** A bounded SPSC ring of addresses; a full ring makes the producer spin, an empty one the consumer. */
    @State(Scope.Group)
    public static class Ring {
        final long[] slots = new long[1024];
        final AtomicLong head = new AtomicLong();   // next slot to read
        final AtomicLong tail = new AtomicLong();   // next slot to write
        long cachedHead;
        long cachedTail;

        boolean offer(long address) {
            long t = tail.getPlain();
            if (t - cachedHead == slots.length) {
                cachedHead = head.getAcquire();
                if (t - cachedHead == slots.length) {
                    return false;
                }
            }
            slots[(int) t & (slots.length - 1)] = address;
            tail.setRelease(t + 1);
            return true;
        }

        long poll() {
            long h = head.getPlain();
            if (h == cachedTail) {
                cachedTail = tail.getAcquire();
                if (h == cachedTail) {
                    return 0;
                }
            }
            long address = slots[(int) h & (slots.length - 1)];
            head.setRelease(h + 1);
            return address;
        }

        @TearDown
        public void drain() {
            // Blocks still in the ring at the end leak deliberately: freeing them needs to know their allocator.
        }
    }

    @Benchmark
    @Group("lgmalloc")
    @GroupThreads(1)
    public boolean lgmallocProduce(Ring ring, Transfers transfers) {
        long p = LgMalloc.malloc(64);
        if (!ring.offer(p)) {
            LgMalloc.free(p);
            return false;
        }
        return true;
    }

    @Benchmark
    @Group("lgmalloc")
    @GroupThreads(1)
    public long lgmallocConsume(Ring ring, Transfers transfers) {
        long p = ring.poll();
        if (p != 0) {
            LgMalloc.free(p);
            transfers.pairs++;
        }
        return p;
    }

    @Benchmark
    @Group("glibcCritical")
    @GroupThreads(1)
    public boolean glibcProduce(Ring ring, Transfers transfers) {
        long p = Glibc.mallocCritical(64);
        if (!ring.offer(p)) {
            Glibc.freeCritical(p);
            return false;
        }
        return true;
    }

    @Benchmark
    @Group("glibcCritical")
    @GroupThreads(1)
    public long glibcConsume(Ring ring, Transfers transfers) {
        long p = ring.poll();
        if (p != 0) {
            Glibc.freeCritical(p);
            transfers.pairs++;
        }
        return p;
    }
}
