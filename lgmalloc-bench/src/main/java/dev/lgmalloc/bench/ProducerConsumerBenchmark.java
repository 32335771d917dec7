package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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

    /**
     * A bounded SPSC ring of addresses; a full ring makes the producer spin, an empty one the consumer. The
     * producer's and the consumer's indices sit 128 bytes apart, so the ring itself does not bounce a cache line
     * per transfer and the allocators' cross-thread costs show.
     */
    @State(Scope.Group)
    public static class Ring {
        private static final int HEAD = 16;          // next slot to read (consumer)
        private static final int TAIL = 48;          // next slot to write (producer)
        private static final int CACHED_HEAD = 16;   // producer's copy of HEAD
        private static final int CACHED_TAIL = 48;   // consumer's copy of TAIL
        /**
         * The block size. Blocks above 1 KiB are not gathered by the consumer but pushed to their page one by one
         * (one CAS on the page's remote-free word each), so {@code -p size=2048} measures that path.
         */
        @Param({"64"})
        public int size;

        /**
         * {@code one}: every block is {@link #size} bytes. {@code message}: the blocks come in threes, as the demo's
         * messages do, a 32-byte header, a 328-byte envelope and a payload of one of eight sizes from 64 bytes to
         * 1 KiB in turn, so consecutive frees fall in different pages.
         */
        @Param({"one"})
        public String mix;

        private static final int[] PAYLOADS = {64, 96, 144, 208, 304, 448, 672, 1000};
        private int[] sizes;
        private int next;

        @Setup
        public void chooseSizes() {
            sizes = switch (mix) {
                case "one" -> new int[] {size};
                case "message" -> {
                    int[] s = new int[3 * PAYLOADS.length];
                    for (int i = 0; i < PAYLOADS.length; i++) {
                        s[3 * i] = 32;
                        s[3 * i + 1] = 328;
                        s[3 * i + 2] = PAYLOADS[i];
                    }
                    yield s;
                }
                default -> throw new IllegalArgumentException("mix is one or message: " + mix);
            };
        }

        /** The next block's size (the producer's). */
        int nextSize() {
            int s = sizes[next];
            next = next + 1 == sizes.length ? 0 : next + 1;
            return s;
        }

        final long[] slots = new long[1024];
        final AtomicLongArray indices = new AtomicLongArray(64);
        final long[] cached = new long[64];

        boolean offer(long address) {
            long t = indices.getPlain(TAIL);
            if (t - cached[CACHED_HEAD] == slots.length) {
                cached[CACHED_HEAD] = indices.getAcquire(HEAD);
                if (t - cached[CACHED_HEAD] == slots.length) {
                    return false;
                }
            }
            slots[(int) t & (slots.length - 1)] = address;
            indices.setRelease(TAIL, t + 1);
            return true;
        }

        long poll() {
            long h = indices.getPlain(HEAD);
            if (h == cached[CACHED_TAIL]) {
                cached[CACHED_TAIL] = indices.getAcquire(TAIL);
                if (h == cached[CACHED_TAIL]) {
                    return 0;
                }
            }
            long address = slots[(int) h & (slots.length - 1)];
            indices.setRelease(HEAD, h + 1);
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
        long p = LgMalloc.malloc(ring.nextSize());
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
        long p = Glibc.mallocCritical(ring.nextSize());
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
