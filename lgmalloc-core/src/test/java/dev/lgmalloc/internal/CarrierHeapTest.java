package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics.HeapStatistics.Kind;
import dev.lgmalloc.FreshJvm;
import dev.lgmalloc.LgArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads on their carriers' heaps: what a virtual thread allocates and frees, what a virtual thread parked
 * inside a carrier's heap does to the others, and what a trim takes back. The tests' JVM exports
 * {@code jdk.internal.access} (the root pom's test arguments), as lgmalloc's agent does.
 */
@Timeout(120)
class CarrierHeapTest {

    private static final String EXPORT = "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED";

    @Test
    void theTestsJvmLetsLgmallocSeeCarriers() {
        assertThat(Carriers.available()).as("the root pom's test arguments export jdk.internal.access").isTrue();
    }

    @Test
    void aVirtualThreadAllocatesFromItsCarriersHeapAndFreesStraightBackIntoIt() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            QuietMaintenance.of(allocator);    // a pass's idle hold, after a stall, would send a free the remote way
            AtomicReference<String> failure = new AtomicReference<>();
            int[] local = new int[1];
            Thread.ofVirtual().start(() -> {
                allocator.free(allocator.malloc(64));          // the carrier's first call makes its heap
                for (int i = 0; i < 100; i++) {
                    Thread carrier = Carriers.current();
                    long block = allocator.malloc(64);
                    Page page = PageMap.lookup(block);
                    if (!page.heap.ofCarrier || page.heap.owner != carrier) {
                        failure.set("block " + i + " came from " + page.heap.owner + ", not from " + carrier);
                        return;
                    }
                    int used = page.used;
                    allocator.free(block);
                    if (used - page.used == 1 && page.threadFree == 0) {
                        local[0]++;           // back on the page's own list at once, not pushed as a remote free
                    }
                }
            }).join();
            assertThat(failure.get()).isNull();
            assertThat(local[0]).isEqualTo(100);
            assertThat(allocator.statistics().heapDetails()).anyMatch(h -> h.kind() == Kind.CARRIER);
        }
    }

    @Test
    void aVirtualThreadsArenaTakesItsChunkFromItsCarriersSpareAndLeavesItThereZeroed() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            QuietMaintenance.of(allocator);
            AtomicReference<String> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                allocator.free(allocator.malloc(64));          // the carrier's first call makes its heap
                for (int i = 0; i < 100 && failure.get() == null; i++) {
                    long chunk;
                    try (LgArena arena = LgArena.ofConfined(allocator)) {
                        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG);
                        if (s.get(ValueLayout.JAVA_LONG, 0) != 0) {
                            failure.set("arena " + i + ": its first segment was not zero");
                        }
                        s.set(ValueLayout.JAVA_LONG, 0, -1L);     // what the carrier's spare must not hand on
                        chunk = s.address();                     // the chunk's first segment starts it
                    }
                    Heap heap = PageMap.lookup(chunk).heap;
                    if (!heap.ofCarrier || heap.owner != Carriers.current() || heap.arenaChunk != chunk) {
                        failure.set("arena " + i + ": its chunk is not its carrier's spare after close");
                    }
                }
            }).join();
            assertThat(failure.get()).isNull();
        }
    }

    @Test
    void virtualThreadsSharingACarriersSpareChunkGetZeroedSegments() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            QuietMaintenance.of(allocator);
            AtomicReference<String> failure = new AtomicReference<>();
            Thread[] threads = new Thread[50];
            java.util.concurrent.atomic.AtomicBoolean sawSpare = new java.util.concurrent.atomic.AtomicBoolean();
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 200 && failure.get() == null; i++) {
                        try (LgArena arena = LgArena.ofConfined(allocator)) {
                            MemorySegment s = arena.allocate(24, 8);
                            for (long b = 0; b < 24; b++) {
                                if (s.get(ValueLayout.JAVA_BYTE, b) != 0) {
                                    failure.set("a segment held a byte another arena wrote");
                                }
                            }
                            s.fill((byte) 0x5A);
                            if (i % 3 == 0) {
                                Thread.yield();     // parked with the arena open: others on the carrier take spares
                            }
                            arena.allocate(40, 8).fill((byte) 0x5A);
                        }
                    }
                    // Right after a close, with no park since: the carrier's heap (where a malloc now comes from)
                    // keeps the chunk, unless another virtual thread's arena on this carrier is open.
                    long probe = allocator.malloc(16);
                    Heap carrier = PageMap.lookup(probe).heap;
                    if (carrier.ofCarrier && carrier.owner == Carriers.current() && carrier.arenaChunk != 0) {
                        sawSpare.set(true);
                    }
                    allocator.free(probe);
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(sawSpare).as("a carrier's heap kept a spare chunk").isTrue();
            allocator.trim();
            assertThat(allocator.statistics().liveBlocks()).as("spares are the allocator's, not leaks").isZero();
            assertThat(allocator.usedBytes()).as("a trim frees the carriers' spares, wherever their pages").isZero();
        }
    }

    @Test
    void aTrimReturnsWhatVirtualThreadsLeftInTheirCarriersHeaps() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            Thread[] threads = new Thread[8];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofVirtual().start(() -> {
                    long[] blocks = new long[200];
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] = allocator.malloc(i % 2 == 0 ? 64 : 16 * 1024);   // class pages and extents
                    }
                    for (long block : blocks) {
                        allocator.free(block);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            // The carriers live on; their heaps' current pages and cached extents would stay without the trim's hold.
            allocator.trim();
            assertThat(allocator.usedBytes()).isZero();
        }
    }

    @Test
    void aTrimLeavesAloneACarriersHeapThatAVirtualThreadIsInside() throws Exception {
        Engine engine = new Engine("carrier-test", dev.lgmalloc.SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        int sizeClass = engine.classes().classOf(64);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch trimmed = new CountDownLatch(1);
        AtomicReference<Heap> entered = new AtomicReference<>();
        AtomicReference<Page> currentBefore = new AtomicReference<>();
        Thread v = Thread.ofVirtual().start(() -> {
            Heap h = enter(engine);
            Heap.free(h.malloc(sizeClass));       // the class's current page, now empty: a trim would release it
            currentBefore.set(h.current[sizeClass]);
            entered.set(h);
            inside.countDown();
            awaitQuietly(trimmed);                 // parked inside the heap, as on a lock of a slow path
            h.leaveAsCarrier();
        });
        inside.await();
        engine.maintain(true);
        Heap h = entered.get();
        assertThat(h.current[sizeClass]).as("the current page of a heap a virtual thread is inside")
                .isSameAs(currentBefore.get());
        trimmed.countDown();
        v.join();
        engine.maintain(true);
        assertThat(h.current[sizeClass]).as("released once the thread left").isNotSameAs(currentBefore.get());
        engine.close();
    }

    @Test
    void aTrimFreesACarriersSpareBeforeVisitingThePageItLiesIn() throws Exception {
        Engine engine = new Engine("carrier-spare-test", dev.lgmalloc.SizeClasses.standard(), new int[0], 0L, 2, 0);
        QuietMaintenance.of(engine);
        int chunkClass = engine.classes().classOf(512);
        AtomicReference<Heap> keeper = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            // A chunk from a stripe's current page (stripes come first in the pass), kept as a carrier's spare: as
            // when a virtual thread's arena took a chunk on a stripe, or on another carrier, and closed here.
            Heap stripe = engine.acquireStripe(Thread.currentThread());
            long chunk;
            try {
                chunk = stripe.malloc(chunkClass);
            } finally {
                engine.releaseStripe(stripe);
            }
            Heap h = enter(engine);
            try {
                assertThat(h.keepArenaChunk(chunk)).isTrue();
                keeper.set(h);
            } finally {
                h.leaveAsCarrier();
            }
        }).join();
        assertThat(keeper.get().arenaChunk).isNotZero();
        engine.maintain(true);
        assertThat(keeper.get().arenaChunk).isZero();
        assertThat(engine.usedBytes()).as("the stripe's page, emptied by the spare's free, released by the same trim")
                .isZero();
        engine.close();
    }

    @Test
    void theTimedPassReturnsWhatVirtualThreadsLeftOnceTheirCarriersHeapIsIdle() throws Exception {
        Engine engine = new Engine("carrier-idle-test", dev.lgmalloc.SizeClasses.standard(), new int[0], 0L, 2, 0);
        QuietMaintenance.of(engine);                 // the test makes the passes
        int small = engine.classes().classOf(64);
        int extent = engine.classes().classOf(16 * 1024);
        AtomicReference<Heap> used = new AtomicReference<>();
        long[] cached = new long[1];
        Thread.ofVirtual().start(() -> {
            Heap h = enter(engine);
            long block;
            try {
                block = h.malloc(small);
                cached[0] = h.malloc(extent);
                used.set(h);
            } finally {
                h.leaveAsCarrier();
            }
            Heap.free(block);                      // each free enters the carrier's heap as its owner
            Heap.free(cached[0]);                  // kept in the heap's extent cache
        }).join();
        Heap h = used.get();
        assertThat(h.ofCarrier).isTrue();
        engine.maintain(false);                      // sees the entries: in use since the last pass, left alone
        assertThat(h.current[small].start).as("the class's current page").isNotZero();
        assertThat(ExtentCache.holds(cached[0])).as("the extent is cached").isTrue();
        long before = engine.usedBytes();
        engine.maintain(false);                      // idle since: held and emptied, without a trim
        assertThat(h.current[small].start).as("no current page: the empty one went back").isZero();
        assertThat(ExtentCache.holds(cached[0])).as("the cached extent went back to its page").isFalse();
        assertThat(engine.usedBytes()).isLessThan(before);
        engine.close();
    }

    @Test
    void anIdleHoldThatFindsAThreadInsideIsTriedAgainAtTheNextPass() throws Exception {
        Engine engine = new Engine("carrier-idle-test-2", dev.lgmalloc.SizeClasses.standard(), new int[0], 0L, 2, 0);
        QuietMaintenance.of(engine);
        int small = engine.classes().classOf(64);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicReference<Heap> entered = new AtomicReference<>();
        Thread v = Thread.ofVirtual().start(() -> {
            Heap h = enter(engine);
            long block = h.malloc(small);
            entered.set(h);
            inside.countDown();
            awaitQuietly(leave);                   // parked inside, across the passes below
            Heap.free(block);                      // from inside: pushed as a remote free, the page collects it
            h.leaveAsCarrier();
        });
        inside.await();
        Heap h = entered.get();
        engine.maintain(false);                      // sees the entry
        engine.maintain(false);                      // idle, but the hold finds the thread inside
        assertThat(h.current[small].start).isNotZero();
        leave.countDown();
        v.join();
        engine.maintain(false);                      // still idle: held this time
        assertThat(h.current[small].start).as("emptied by the next pass's hold").isZero();
        engine.close();
    }

    /**
     * On one carrier, a virtual thread parked inside the carrier's heap keeps the others out: they take stripes,
     * and the heap is theirs again once it left. In a JVM of its own, whose scheduler has one carrier.
     */
    @Test
    void virtualThreadsTakeStripesWhileAnotherIsParkedInsideTheirCarriersHeap() throws Exception {
        String out = FreshJvm.run(OneCarrier.class, EXPORT, "-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1");
        assertThat(out).contains("refused while inside: 50 of 50", "stripes meanwhile: 50 of 50",
                "entered after: true");
    }

    /** Without the export (a JVM started without lgmalloc's agent or the flag), virtual threads take stripes. */
    @Test
    void withoutTheExportVirtualThreadsTakeStripes() throws Exception {
        String out = FreshJvm.run(WithoutExport.class);
        assertThat(out).contains("carriers visible: false", "from a stripe: true");
    }

    static final class OneCarrier {
        public static void main(String[] args) throws Exception {
            try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
                Engine engine = QuietMaintenance.engineOf(allocator);
                CountDownLatch inside = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                Thread holder = Thread.ofVirtual().start(() -> {
                    Heap h = enter(engine);
                    inside.countDown();
                    awaitQuietly(release);             // parked inside: its carrier runs the others meanwhile
                    h.leaveAsCarrier();
                });
                inside.await();
                int refused = 0;
                int striped = 0;
                for (int i = 0; i < 50; i++) {
                    int[] result = new int[2];
                    Thread.ofVirtual().start(() -> {
                        Heap h = engine.enterCarrierHeap();
                        if (h == null) {
                            result[0] = 1;
                        } else {
                            h.leaveAsCarrier();
                        }
                        long block = allocator.malloc(64);
                        result[1] = PageMap.lookup(block).heap.striped ? 1 : 0;
                        allocator.free(block);
                    }).join();
                    refused += result[0];
                    striped += result[1];
                }
                release.countDown();
                holder.join();
                boolean[] after = new boolean[1];
                Thread.ofVirtual().start(() -> {
                    Heap h = engine.enterCarrierHeap();
                    after[0] = h != null;
                    if (h != null) {
                        h.leaveAsCarrier();
                    }
                }).join();
                System.out.println("refused while inside: " + refused + " of 50");
                System.out.println("stripes meanwhile: " + striped + " of 50");
                System.out.println("entered after: " + after[0]);
            }
        }
    }

    static final class WithoutExport {
        public static void main(String[] args) throws Exception {
            try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
                boolean[] striped = new boolean[1];
                Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 3; i++) {
                        long block = allocator.malloc(64);
                        striped[0] = PageMap.lookup(block).heap.striped;
                        allocator.free(block);
                    }
                }).join();
                System.out.println("carriers visible: " + Carriers.available());
                System.out.println("from a stripe: " + striped[0]);
            }
        }
    }

    /** Enters the current carrier's heap, making it first if the carrier has none. */
    private static Heap enter(Engine engine) {
        Heap h = engine.enterCarrierHeap();
        if (h == null) {
            h = engine.enterCarrierHeap();
        }
        if (h == null) {
            throw new AssertionError("the carrier's heap could not be entered");
        }
        return h;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
