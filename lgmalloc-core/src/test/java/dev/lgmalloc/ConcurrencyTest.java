package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Threads handing blocks to each other, ending and being replaced, in the style of mimalloc's test-stress. */
class ConcurrencyTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Fills a block with a pattern derived from its address and size, so a check at free finds any overlap. */
    static void fill(long address, long size) {
        for (long off = 0; off + 8 <= size; off += 8) {
            ALL.set(JAVA_LONG_UNALIGNED, address + off, address * 31 + off + size);
        }
    }

    static void check(long address, long size) {
        for (long off = 0; off + 8 <= size; off += 8) {
            long v = ALL.get(JAVA_LONG_UNALIGNED, address + off);
            if (v != address * 31 + off + size) {
                throw new AssertionError(String.format("block 0x%x (%d bytes) corrupted at +%d", address, size, off));
            }
        }
    }

    record Block(long address, long size) {
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void stressWithRemoteFreesAndThreadTurnover() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        int threads = 6;
        int rounds = 5;                   // every round starts new threads: the previous ones have ended
        int opsPerThread = 200_000;
        ConcurrentLinkedQueue<Block> transfer = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long rssBefore = Rss.bytes();
        for (int round = 0; round < rounds; round++) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = round * 100L + t;
                workers.add(Thread.ofPlatform().name("stress-" + round + "-" + t).start(() -> {
                    try {
                        work(allocator, transfer, new SplittableRandom(seed), opsPerThread);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("worker failed", failure.get());
            }
        }
        // Blocks left in the transfer queue outlived their threads; free them from here.
        for (Block b; (b = transfer.poll()) != null; ) {
            check(b.address, b.size);
            allocator.free(b.address);
        }
        allocator.trim();
        AllocatorStatistics s = allocator.statistics();
        assertThat(s.liveBlocks()).isZero();
        assertThat(s.liveBytes()).isZero();
        assertThat(s.heaps()).isLessThanOrEqualTo(AllocatorConfiguration.defaults().virtualThreadStripes() + 1);
        assertThat(s.segments()).isZero();
        assertThat(rssBefore).isPositive();
    }

    private static void work(Allocator allocator, ConcurrentLinkedQueue<Block> transfer, SplittableRandom random,
                             int ops) {
        List<Block> mine = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            int action = random.nextInt(100);
            if (action < 45 || mine.isEmpty()) {
                long size = random.nextInt(100) < 99 ? 1 + random.nextInt(512) : 1 + random.nextInt(300_000);
                long p = allocator.malloc(size);
                fill(p, size);
                mine.add(new Block(p, size));
            } else if (action < 85) {
                Block b = mine.remove(random.nextInt(mine.size()));
                check(b.address, b.size);
                allocator.free(b.address);
            } else if (action < 95) {
                transfer.add(mine.remove(random.nextInt(mine.size())));   // someone else frees it
            } else {
                Block b = transfer.poll();
                if (b != null) {
                    check(b.address, b.size);
                    allocator.free(b.address);
                }
            }
        }
        // Half of what is left lives on after this thread ends.
        for (Block b : mine) {
            if (random.nextBoolean()) {
                transfer.add(b);
            } else {
                check(b.address, b.size);
                allocator.free(b.address);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void producerConsumerReusesRemotelyFreedBlocks() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        BlockingQueue<Long> queue = new ArrayBlockingQueue<>(1024);
        int count = 1_000_000;
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    long p = queue.take();
                    check(p, 64);
                    allocator.free(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 0; i < count; i++) {
            long p = allocator.malloc(64);
            fill(p, 64);
            queue.put(p);
        }
        consumer.join();
        // 1M blocks went through at most 1024 in flight: the producer must have reused remote frees.
        assertThat(allocator.statistics().committedBytes()).isLessThan(4L << 20);
        allocator.trim();   // reaps the ended consumer, or waits for the pass that does: its last chain is back
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void aNewThreadTakesOverThePagesOfAThreadThatJustEnded() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        long[] blocks = new long[100];
        Thread ended = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(40);
            }
            for (int i = 0; i < blocks.length; i += 2) {
                allocator.free(blocks[i]);
            }
        });
        ended.join();
        // Straight after the join, well within the maintenance period: the new heap must not map a fresh page.
        long[] reused = new long[1];
        Thread.ofPlatform().start(() -> reused[0] = allocator.malloc(40)).join();
        assertThat(reused[0] >>> 16).as("page of the new thread's block").isEqualTo(blocks[1] >>> 16);
        assertThat(allocator.statistics().classes()).singleElement()
                .satisfies(c -> assertThat(c.pages()).isOne());
        allocator.free(reused[0]);
        for (int i = 1; i < blocks.length; i += 2) {
            allocator.free(blocks[i]);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void blocksOfEndedThreadsStayValidAndFreeableAfterTheirHeapIsReclaimed() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        long[] blocks = new long[10_000];
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(40);
                fill(blocks[i], 40);
            }
        });
        t.join();
        allocator.trim();   // reclaims the ended thread's heap now
        AllocatorStatistics s = allocator.statistics();
        assertThat(s.heapDetails()).anySatisfy(h -> {
            assertThat(h.kind()).isEqualTo(AllocatorStatistics.HeapStatistics.Kind.ORPHANED);
            assertThat(h.liveBlocks()).isEqualTo(blocks.length);
        });
        assertThat(s.heapDetails()).noneSatisfy(h -> assertThat(h.owner()).contains(t.getName()));
        for (int i = 0; i < blocks.length; i += 2) {
            check(blocks[i], 40);
            allocator.free(blocks[i]);
        }
        // A new thread adopts the orphaned pages with room and reuses their free blocks.
        Thread adopter = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 1000; i++) {
                long p = allocator.malloc(40);
                fill(p, 40);
                allocator.free(p);
            }
        });
        adopter.join();
        for (int i = 1; i < blocks.length; i += 2) {
            check(blocks[i], 40);
            allocator.free(blocks[i]);
        }
        allocator.trim();
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThat(allocator.statistics().segments()).isZero();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hundredThousandVirtualThreadsShareABoundedNumberOfHeaps() throws Exception {
        int stripes = 4;
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withVirtualThreadStripes(stripes));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100_000; i++) {
                long size = 16 + (i % 7) * 40;
                executor.submit(() -> {
                    try {
                        long p = allocator.malloc(size);
                        fill(p, size);
                        Thread.yield();
                        check(p, size);
                        allocator.free(p);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        }
        assertThat(failure.get()).isNull();
        allocator.trim();                           // reaps the heap of a carrier the scheduler retired meanwhile
        AllocatorStatistics s = allocator.statistics();
        assertThat(s.liveBlocks()).isZero();
        assertThat(count(s, AllocatorStatistics.HeapStatistics.Kind.VIRTUAL_THREAD_STRIPE)).isEqualTo(stripes);
        // Where the JDK lets lgmalloc see carriers (the tests' JVM does), each carrier has a heap; the scheduler
        // runs one carrier per processor, none pinned here.
        long carriers = count(s, AllocatorStatistics.HeapStatistics.Kind.CARRIER);
        if (dev.lgmalloc.internal.Carriers.available()) {
            assertThat(carriers).isBetween(1L, (long) Runtime.getRuntime().availableProcessors());
        } else {
            assertThat(carriers).isZero();
        }
        assertThat(s.heaps()).isEqualTo(stripes + carriers);   // this test thread never allocated here
    }

    private static long count(AllocatorStatistics s, AllocatorStatistics.HeapStatistics.Kind kind) {
        return s.heapDetails().stream().filter(h -> h.kind() == kind).count();
    }
}
