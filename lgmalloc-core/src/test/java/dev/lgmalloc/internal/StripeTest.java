package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stripe heaps that virtual threads borrow: their lock, their home, and a virtual thread's free. */
@Timeout(120)
class StripeTest {

    @Test
    void aVirtualThreadsFreeOfAStripesBlockGoesStraightBackToItsPage() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withVirtualThreadStripes(1).withCarrierHeaps(false))) {
            AtomicReference<Page> seen = new AtomicReference<>();
            int[] local = new int[1];
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 100; i++) {
                    long block = allocator.malloc(64);
                    Page page = PageMap.lookup(block);
                    int used = page.used;
                    allocator.free(block);
                    seen.set(page);
                    // The page's own count fell, nothing waits on its remote-free list. (A maintenance pass that
                    // holds the stripe at that moment sends one free the remote way: hence 95 of 100.)
                    if (used - page.used == 1 && page.threadFree == 0) {
                        local[0]++;
                    } else {
                        allocator.trim();           // collects it
                    }
                }
            }).join();
            assertThat(seen.get().heap.striped).isTrue();
            assertThat(local[0]).as("frees that reached the page at once").isGreaterThanOrEqualTo(95);
        }
    }

    @Test
    void aVirtualThreadsExtentsGoBackToTheirPagesAndATrimReturnsThem() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withVirtualThreadStripes(1).withCarrierHeaps(false))) {
            Thread.ofVirtual().start(() -> {
                long[] blocks = new long[400];
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = allocator.malloc(16 * 1024);
                }
                for (long block : blocks) {
                    allocator.free(block);
                }
            }).join();
            allocator.trim();
            assertThat(allocator.usedBytes()).as("no extent kept back in a stripe's cache").isZero();
        }
    }

    /**
     * A stripe's miss on a page whose remote list holds blocks of its class hands one of them out, and keeps none
     * in the stripe's extent cache: nothing flushes a stripe's cache, so kept blocks held their page past every trim
     * (CI's quick stress, 256 KiB committed after everything was freed and trimmed). The engine is off the
     * maintenance thread, so only the stripe's miss takes the list in.
     */
    @Test
    void aStripesMissKeepsNoBlockOfAnotherThreadsFreesPastATrim() throws Exception {
        Engine engine = new Engine("stripe-miss-test", SizeClasses.standard(), new int[0], 100_000_000L, 1, 0, false);
        QuietMaintenance.of(engine);
        try {
            int sizeClass = engine.classes.classOf(16 * 1024);
            long[] blocks = new long[10];
            Heap stripe = engine.acquireStripe(Thread.currentThread());
            try {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = stripe.malloc(sizeClass);
                }
            } finally {
                engine.releaseStripe(stripe);
            }
            Page page = PageMap.lookup(blocks[0]);
            Thread freeing = Thread.ofPlatform().start(() -> {
                for (int i = 1; i < blocks.length - 1; i++) {
                    Heap.free(blocks[i]);                   // gathered, then pushed onto the page's remote list
                }
                engine.freeingHeapOf(Thread.currentThread()).deferredFrees.flush();
            });
            freeing.join();
            assertThat(page.pendingRemoteFrees()).as("blocks in the page's remote list").isEqualTo(8);
            long taken;
            stripe = engine.acquireStripe(Thread.currentThread());
            try {
                taken = stripe.malloc(sizeClass);           // misses the stripe's cache: takes the list in
            } finally {
                engine.releaseStripe(stripe);
            }
            assertThat(page.pendingRemoteFrees()).isZero();
            Heap.free(taken);
            Heap.free(blocks[0]);
            Heap.free(blocks[blocks.length - 1]);
            engine.maintain(true);
            assertThat(engine.statistics().liveBlocks()).isZero();
            assertThat(engine.statistics().committedBytes()).as("committed after the trim").isZero();
        } finally {
            engine.close();
        }
    }

    @Test
    void aVirtualThreadsDoubleFreeOfAStripesBlockIsStillRefused() throws Exception {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withVirtualThreadStripes(1).withCarrierHeaps(false))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                long block = allocator.malloc(64);
                allocator.free(block);
                try {
                    allocator.free(block);
                } catch (Throwable t) {
                    thrown.set(t);
                }
                long next = allocator.malloc(64);     // the stripe was given back despite the exception
                allocator.free(next);
            }).join();
            assertThat(thrown.get()).isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        }
    }

    @Test
    void theLockLetsOneHolderInAtATimeAndEveryWaiterThrough() throws Exception {
        StripeLock lock = new StripeLock();
        int[] counter = new int[1];
        int perThread = 20_000;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            boolean trying = i % 4 == 0;
            Runnable task = () -> {
                for (int n = 0; n < perThread; ) {
                    if (trying) {
                        if (!lock.tryLock()) {
                            Thread.yield();
                            continue;
                        }
                    } else {
                        lock.lock();
                    }
                    try {
                        counter[0]++;                 // a lost update if two held the lock at once
                        if (n % 1000 == 0) {
                            Thread.yield();           // a virtual holder unmounts: waiters must wait, not spin
                        }
                    } finally {
                        lock.unlock();
                    }
                    n++;
                }
            };
            threads.add(i % 8 == 0 ? Thread.ofPlatform().start(task) : Thread.ofVirtual().start(task));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(lock.isLocked()).isFalse();
        lock.lock();
        try {
            assertThat(counter[0]).isEqualTo(64 * perThread);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void virtualThreadsOnOneCarrierShareItsStripeAndIdleClaimsAreCleared() throws Exception {
        Os.linkRest();                                // what the maintenance thread does on its first tick
        Engine engine = new Engine("stripe-test", dev.lgmalloc.SizeClasses.standard(), new int[0], 100_000_000L, 8,
                0);
        QuietMaintenance.of(engine);               // its passes would clear claims while the test looks
        java.util.Map<Long, java.util.Set<Heap>> stripesByCarrier = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < 64; i++) {
            Thread.ofVirtual().start(() -> {
                long carrier = Os.currentOsThread();
                Heap stripe = engine.acquireStripe(Thread.currentThread());
                try {
                    stripesByCarrier.computeIfAbsent(carrier, c -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                            .add(stripe);
                } finally {
                    engine.releaseStripe(stripe);
                }
            }).join();                                // one at a time: each finds its carrier's stripe free
        }
        assertThat(stripesByCarrier).isNotEmpty().doesNotContainKey(0L);
        for (var e : stripesByCarrier.entrySet()) {
            assertThat(e.getValue()).as("stripes used by the virtual threads of carrier %x", e.getKey()).hasSize(1);
        }
        assertThat(java.util.Arrays.stream(engine.stripeCarriers()).boxed().toList())
                .containsAll(stripesByCarrier.keySet());
        engine.maintain(false);                       // the uses above are seen
        engine.maintain(false);                       // and nothing since: the claims go
        assertThat(engine.stripeCarriers()).containsOnly(0L);
        engine.close();
    }

    @Test
    void anInterruptedWaiterSleepsInsteadOfSpinningAndKeepsItsInterrupt() throws Exception {
        StripeLock lock = new StripeLock();
        lock.lock();
        boolean[] interruptedAfter = new boolean[1];
        Thread waiter = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            lock.lock();
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
            lock.unlock();
        });
        // Parked with its interrupt cleared: a waiter that kept it would find every park returning at once, and spin.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        boolean sleeping = false;
        while (!sleeping && System.nanoTime() < deadline) {
            sleeping = waiter.getState() == Thread.State.TIMED_WAITING && !waiter.isInterrupted();
            Thread.onSpinWait();
        }
        assertThat(sleeping).as("the waiter sleeps, its interrupt put aside").isTrue();
        lock.unlock();
        waiter.join();
        assertThat(interruptedAfter[0]).as("the interrupt is kept for the caller").isTrue();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void homeStripesStayInRangeAndUseEveryStripe() {
        for (int n = 1; n <= 17; n++) {
            boolean[] used = new boolean[n];
            for (long id = 1; id <= 10_000; id++) {
                int home = Engine.homeStripe(id, n);
                assertThat(home).isBetween(0, n - 1);
                used[home] = true;
            }
            for (int s = 0; s < n; s++) {
                assertThat(used[s]).as("stripe %d of %d", s, n).isTrue();
            }
        }
        assertThat(Engine.homeStripe(Long.MAX_VALUE, 8)).isBetween(0, 7);
        assertThat(Engine.homeStripe(-1, 8)).isBetween(0, 7);
    }
}
