package dev.lgmalloc.demo;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A message pipeline with its data off-heap: producer threads build a fixed-layout header, a fixed-size routing
 * envelope and a variable payload per message; consumer threads verify and free them, so every free crosses
 * threads. On lgmalloc the header and envelope sizes are constants the agent predicts; the payload is not.
 *
 * <p>{@code java -cp lgmalloc-demo.jar:lgmalloc.jar dev.lgmalloc.demo.MessagePipeline ALLOCATOR SECONDS}, where
 * ALLOCATOR is {@code lgmalloc} or a peer of the benchmark suite ({@code glibc-critical}, {@code arena-shared},
 * ...). The pipeline runs for a fixed time, not a fixed count, so a slow allocator gets as long a measurement as a
 * fast one: a warm-up of a quarter of SECONDS, then SECONDS timed. It prints one {@code RESULT} line with the
 * messages of the timed part, its length, and the process's peak and final RSS.
 */
public final class MessagePipeline {

    /** A message header, as a network or storage layer would keep it. */
    static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("envelope"),
            JAVA_LONG.withName("payload"),
            JAVA_INT.withName("length"),
            JAVA_INT.withName("checksum"));
    static final long HEADER_BYTES = HEADER.byteSize();
    /** A routing envelope of a fixed size that has no size class of its own: the agent adds an exact one. */
    static final long ENVELOPE_BYTES = 328;

    private static final long POISON = -1;
    /** Producers look at the clock once per this many messages. */
    private static final int CLOCK_EVERY = 256;
    private static final int PRODUCERS = 2;
    private static final int CONSUMERS = 2;

    private MessagePipeline() {
    }

    /** How the pipeline allocates: lgmalloc's own API (so the agent can route it) or a peer. */
    private interface Memory {
        long header();

        long envelope();

        long payload(long length);

        void free(long address);

        /** Called once per run, halfway through, while the pipeline is full. */
        default void halfway() {
        }
    }

    private static final class OnLgmalloc implements Memory {
        /** Taken while blocks are live: after the run, freed pages are purged and no class shows. */
        volatile AllocatorStatistics halfway;

        @Override
        public void halfway() {
            halfway = LgMalloc.statistics();
        }

        @Override
        public long header() {
            return LgMalloc.allocate(HEADER_BYTES).address();
        }

        @Override
        public long envelope() {
            return LgMalloc.malloc(ENVELOPE_BYTES);
        }

        @Override
        public long payload(long length) {
            return LgMalloc.malloc(length);
        }

        @Override
        public void free(long address) {
            LgMalloc.free(address);
        }
    }

    private record OnPeer(PeerAllocator peer) implements Memory {
        @Override
        public long header() {
            return peer.malloc(HEADER_BYTES);
        }

        @Override
        public long envelope() {
            return peer.malloc(ENVELOPE_BYTES);
        }

        @Override
        public long payload(long length) {
            return peer.malloc(length);
        }

        @Override
        public void free(long address) {
            peer.free(address);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: MessagePipeline ALLOCATOR SECONDS");
            System.exit(2);
        }
        String allocator = args[0];
        long nanos = (long) (Double.parseDouble(args[1]) * 1e9);
        Memory memory = allocator.equals("lgmalloc") ? new OnLgmalloc() : new OnPeer(Peers.create(allocator));
        // Warm up first: lgmalloc is Java code the JIT must compile, while native allocators start compiled, so
        // timing a cold JVM would mostly measure the JIT. The peak RSS below includes the warm-up.
        run(memory, nanos / 4);
        long start = System.nanoTime();
        long messages = run(memory, nanos);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (memory instanceof OnPeer(PeerAllocator peer)) {
            peer.releaseFreeMemory();
        } else if (memory instanceof OnLgmalloc lgmalloc) {
            printStatistics(lgmalloc.halfway);
            LgMalloc.trim();
        }
        System.out.printf(Locale.ROOT, "RESULT allocator=%s messages=%d seconds=%.3f peakRssKiB=%d finalRssKiB=%d%n",
                allocator, messages, seconds, ProcessStatus.kib("VmHWM:"), ProcessStatus.kib("VmRSS:"));
    }

    /** Runs the pipeline for {@code nanos} and returns how many messages went through it. */
    private static long run(Memory memory, long nanos) throws Exception {
        BlockingQueue<Long> queue = new ArrayBlockingQueue<>(4096);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong produced = new AtomicLong();
        long start = System.nanoTime();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            long seed = p;
            producers.add(Thread.ofPlatform().name("producer-" + p).start(() -> {
                try {
                    produced.addAndGet(produce(memory, queue, new SplittableRandom(seed), start, nanos, seed == 0));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            consumers.add(Thread.ofPlatform().name("consumer-" + c).start(() -> {
                try {
                    consume(memory, queue);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (Thread t : producers) {
            t.join();
        }
        for (int c = 0; c < CONSUMERS; c++) {
            queue.put(POISON);
        }
        for (Thread t : consumers) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("pipeline failed", failure.get());
        }
        return produced.get();
    }

    /** Produces messages until {@code nanos} after {@code start}; returns how many. */
    private static long produce(Memory memory, BlockingQueue<Long> queue, SplittableRandom random, long start,
            long nanos, boolean reportsHalfway) throws InterruptedException {
        boolean reported = !reportsHalfway;
        long i = 0;
        for (; ; i++) {
            if (i % CLOCK_EVERY == 0) {
                long elapsed = System.nanoTime() - start;
                if (elapsed >= nanos) {
                    return i;
                }
                if (!reported && elapsed >= nanos / 2) {
                    memory.halfway();
                    reported = true;
                }
            }
            int length = 32 + (int) Math.min(16_384, Math.exp(random.nextDouble(3.5, 8.5)));
            MemorySegment header = MemorySegment.ofAddress(memory.header()).reinterpret(HEADER_BYTES);
            MemorySegment envelope = MemorySegment.ofAddress(memory.envelope()).reinterpret(ENVELOPE_BYTES);
            MemorySegment payload = MemorySegment.ofAddress(memory.payload(length)).reinterpret(length);
            envelope.set(JAVA_LONG, 0, i);
            envelope.set(JAVA_LONG, ENVELOPE_BYTES - 8, ~i);
            int checksum = 0;
            for (int off = 0; off + 4 <= length; off += 4) {
                int word = (int) (i * 31 + off);
                payload.set(JAVA_INT, off, word);
                checksum = checksum * 31 + word;
            }
            header.set(JAVA_LONG, 0, i);
            header.set(JAVA_LONG, 8, envelope.address());
            header.set(JAVA_LONG, 16, payload.address());
            header.set(JAVA_INT, 24, length);
            header.set(JAVA_INT, 28, checksum);
            queue.put(header.address());
        }
    }

    private static void consume(Memory memory, BlockingQueue<Long> queue) throws InterruptedException {
        while (true) {
            long address = queue.take();
            if (address == POISON) {
                return;
            }
            MemorySegment header = MemorySegment.ofAddress(address).reinterpret(HEADER_BYTES);
            long id = header.get(JAVA_LONG, 0);
            long envelopeAddress = header.get(JAVA_LONG, 8);
            long payloadAddress = header.get(JAVA_LONG, 16);
            int length = header.get(JAVA_INT, 24);
            MemorySegment envelope = MemorySegment.ofAddress(envelopeAddress).reinterpret(ENVELOPE_BYTES);
            MemorySegment payload = MemorySegment.ofAddress(payloadAddress).reinterpret(length);
            int checksum = 0;
            for (int off = 0; off + 4 <= length; off += 4) {
                checksum = checksum * 31 + payload.get(JAVA_INT, off);
            }
            if (checksum != header.get(JAVA_INT, 28) || envelope.get(JAVA_LONG, 0) != id
                    || envelope.get(JAVA_LONG, ENVELOPE_BYTES - 8) != ~id) {
                throw new IllegalStateException("message " + id + " corrupted");
            }
            memory.free(payloadAddress);
            memory.free(envelopeAddress);
            memory.free(address);
        }
    }

    private static void printStatistics(AllocatorStatistics s) {
        System.out.printf(Locale.ROOT, "lgmalloc halfway: live %d blocks; committed %,d KiB; %d heaps; size classes in use:",
                s.liveBlocks(), s.committedBytes() >> 10, s.heaps());
        for (AllocatorStatistics.ClassStatistics c : s.classes()) {
            System.out.printf(Locale.ROOT, " %d%s", c.blockSize(), c.exact() ? "(exact)" : "");
        }
        System.out.println();
    }
}
