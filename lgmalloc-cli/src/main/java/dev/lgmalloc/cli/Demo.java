package dev.lgmalloc.cli;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.LgArena;
import dev.lgmalloc.LgMalloc;
import java.io.PrintStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small message pipeline on lgmalloc: producer threads build fixed-layout message headers with variable
 * payloads off-heap, consumer threads check and free them (frees cross threads), and a burst of virtual
 * threads handles requests in confined {@link LgArena}s. It ends by printing the allocator's statistics.
 */
final class Demo {

    /** A message header: what a network or storage layer would keep off-heap. */
    static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("payload"),
            JAVA_INT.withName("length"),
            JAVA_INT.withName("checksum"));
    private static final VarHandle ID = HEADER.varHandle(MemoryLayout.PathElement.groupElement("id"));
    private static final VarHandle PAYLOAD = HEADER.varHandle(MemoryLayout.PathElement.groupElement("payload"));
    private static final VarHandle LENGTH = HEADER.varHandle(MemoryLayout.PathElement.groupElement("length"));
    private static final VarHandle CHECKSUM = HEADER.varHandle(MemoryLayout.PathElement.groupElement("checksum"));
    private static final long POISON = -1;

    private Demo() {
    }

    static int run(Main.DemoOptions options, PrintStream out) {
        int producers = 2;
        int consumers = 2;
        long messagesPerProducer = options.quick() ? 100_000 : 1_000_000;
        int virtualRequests = options.quick() ? 10_000 : 100_000;
        out.printf(Locale.ROOT, "lgmalloc demo: %d producers -> %d consumers, %,d messages each; %,d virtual-thread"
                + " requests%n", producers, consumers, messagesPerProducer, virtualRequests);

        BlockingQueue<Long> queue = new ArrayBlockingQueue<>(4096);
        AtomicLong consumed = new AtomicLong();
        AtomicLong payloadBytes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long seed = p;
            threads.add(Thread.ofPlatform().name("producer-" + p).start(
                    () -> guard(failure, () -> produce(queue, new SplittableRandom(seed), messagesPerProducer,
                            payloadBytes))));
        }
        List<Thread> consumerThreads = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            consumerThreads.add(Thread.ofPlatform().name("consumer-" + c).start(
                    () -> guard(failure, () -> consume(queue, consumed))));
        }
        long total = producers * messagesPerProducer;
        boolean terminal = System.console() != null && System.console().isTerminal();
        Thread progress = Thread.ofPlatform().daemon().start(() -> {
            while (terminal && consumed.get() < total && failure.get() == null) {
                out.printf(Locale.ROOT, "\r  pipeline: %5.1f%% of %,d messages", 100.0 * consumed.get() / total, total);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        join(threads);
        for (int c = 0; c < consumers; c++) {
            put(queue, POISON);
        }
        join(consumerThreads);
        progress.interrupt();
        double pipelineSeconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, (terminal ? "\r" : "") + "  pipeline: %,d messages (%,d MiB of payload) in %.2f s: %,.0f messages/s%n",
                consumed.get(), payloadBytes.get() >> 20, pipelineSeconds, consumed.get() / pipelineSeconds);

        start = System.nanoTime();
        AtomicLong requestChecks = new AtomicLong();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int r = 0; r < virtualRequests; r++) {
                int id = r;
                executor.submit(() -> guard(failure, () -> request(id, requestChecks)));
            }
        }
        double requestSeconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "  virtual threads: %,d requests in %.2f s, each in its own LgArena%n",
                requestChecks.get(), requestSeconds);
        if (failure.get() != null) {
            out.println("demo failed: " + failure.get());
            return 1;
        }

        AllocatorStatistics before = LgMalloc.statistics();
        LgMalloc.trim();
        AllocatorStatistics after = LgMalloc.statistics();
        printStatistics(out, before, after);
        return before.liveBlocks() == 0 ? 0 : 1;
    }

    private static void produce(BlockingQueue<Long> queue, SplittableRandom random, long count, AtomicLong bytes)
            throws InterruptedException {
        for (long i = 0; i < count; i++) {
            int length = 32 + (int) Math.min(16_384, Math.exp(random.nextDouble(3.5, 8.5)));
            MemorySegment header = LgMalloc.allocate(HEADER.byteSize());
            MemorySegment payload = LgMalloc.allocate(length);
            int checksum = 0;
            for (int off = 0; off + 4 <= length; off += 4) {
                int word = (int) (i * 31 + off);
                payload.set(JAVA_INT, off, word);
                checksum = checksum * 31 + word;
            }
            ID.set(header, 0L, i);
            PAYLOAD.set(header, 0L, payload.address());
            LENGTH.set(header, 0L, length);
            CHECKSUM.set(header, 0L, checksum);
            bytes.addAndGet(length);
            queue.put(header.address());
        }
    }

    private static void consume(BlockingQueue<Long> queue, AtomicLong consumed) throws InterruptedException {
        while (true) {
            long address = queue.take();
            if (address == POISON) {
                return;
            }
            MemorySegment header = MemorySegment.ofAddress(address).reinterpret(HEADER.byteSize());
            long id = (long) ID.get(header, 0L);
            int length = (int) LENGTH.get(header, 0L);
            long payloadAddress = (long) PAYLOAD.get(header, 0L);
            MemorySegment payload = MemorySegment.ofAddress(payloadAddress).reinterpret(length);
            int checksum = 0;
            for (int off = 0; off + 4 <= length; off += 4) {
                checksum = checksum * 31 + payload.get(JAVA_INT, off);
            }
            if (checksum != (int) CHECKSUM.get(header, 0L)) {
                throw new IllegalStateException("message " + id + " corrupted");
            }
            LgMalloc.free(payloadAddress);      // freed on another thread than the one that allocated it
            LgMalloc.free(address);
            consumed.incrementAndGet();
        }
    }

    private static void request(int id, AtomicLong checks) {
        try (LgArena arena = LgArena.ofConfined()) {
            MemorySegment headers = arena.allocate(HEADER, 8);
            MemorySegment body = arena.allocate(256 + (id % 8) * 64);
            for (int i = 0; i < 8; i++) {
                ID.set(headers, i * HEADER.byteSize(), (long) id + i);
            }
            body.fill((byte) id);
            if ((long) ID.get(headers, 7 * HEADER.byteSize()) == id + 7L) {
                checks.incrementAndGet();
            }
        }
    }

    private static void printStatistics(PrintStream out, AllocatorStatistics s, AllocatorStatistics trimmed) {
        out.println();
        out.println("allocator statistics after the run");
        out.printf(Locale.ROOT, "  live: %,d blocks, %,d bytes%n", s.liveBlocks(), s.liveBytes());
        out.printf(Locale.ROOT, "  committed: %,d KiB (after trim: %,d KiB)   reserved: %,d KiB (after trim: %,d KiB)%n",
                s.committedBytes() >> 10, trimmed.committedBytes() >> 10, s.reservedBytes() >> 10,
                trimmed.reservedBytes() >> 10);
        out.printf(Locale.ROOT, "  segments: %d   large blocks: %d   heaps: %d%n", s.segments(), s.largeBlocks(),
                s.heaps());
        out.println("  size classes in use:");
        out.printf(Locale.ROOT, "    %8s %6s %10s %12s%n", "block", "pages", "capacity", "live blocks");
        for (AllocatorStatistics.ClassStatistics c : s.classes()) {
            out.printf(Locale.ROOT, "    %8d %6d %10d %12d%n", c.blockSize(), c.pages(), c.capacityBlocks(),
                    c.liveBlocks());
        }
        out.println("  heaps:");
        for (AllocatorStatistics.HeapStatistics h : s.heapDetails()) {
            out.printf(Locale.ROOT, "    %-28s %-22s %5d pages %8d live blocks%n", h.owner(), h.kind(), h.pages(),
                    h.liveBlocks());
        }
    }

    private interface Task {
        void run() throws Exception;
    }

    private static void guard(AtomicReference<Throwable> failure, Task task) {
        try {
            task.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static void put(BlockingQueue<Long> queue, long value) {
        try {
            queue.put(value);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
