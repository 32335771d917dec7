package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A thread blocked outside the allocator hands the pages of classes it stopped using, the current ones included,
 * to the orphans, where other threads use their room; a running one keeps them. The engine is taken off the
 * maintenance thread, so each pass here is one {@link Engine#maintain} call.
 */
class BlockedOwnerHandOffTest {

    private static final int BLOCK = 64;
    private static final int BLOCKS = 8 * 1024;     // 512 KiB: eight 64 KiB pages

    private static Engine engine() {
        Engine engine = new Engine("hand-off-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        return engine;
    }

    /** Allocates {@link #BLOCKS} blocks, hands them over, then runs {@code idle} until told to end. */
    private static final class Owner implements AutoCloseable {
        final List<Long> blocks = new ArrayList<>();
        final AtomicBoolean finish = new AtomicBoolean();
        final Thread thread;

        Owner(Engine engine, Consumer<AtomicBoolean> idle) throws InterruptedException {
            CountDownLatch allocated = new CountDownLatch(1);
            thread = Thread.ofPlatform().start(() -> {
                Heap heap = engine.heapOf(Thread.currentThread());
                int sizeClass = engine.classes.classOf(BLOCK);
                for (int i = 0; i < BLOCKS; i++) {
                    blocks.add(heap.malloc(sizeClass));
                }
                allocated.countDown();
                idle.accept(finish);
            });
            allocated.await();
        }

        Set<Page> pages() {
            Set<Page> pages = new HashSet<>();
            for (long block : blocks) {
                pages.add(PageMap.lookup(block));
            }
            return pages;
        }

        @Override
        public void close() throws InterruptedException {
            finish.set(true);
            thread.interrupt();           // wakes it from a park or a latch, also after a failed assertion
            thread.join();
        }
    }

    /** Frees every block but each page's first from this thread, and runs two maintenance passes. */
    private static List<Long> freeMostAndPass(Engine engine, Owner owner) {
        List<Long> kept = new ArrayList<>();
        Set<Page> seen = new HashSet<>();
        for (long block : owner.blocks) {
            if (seen.add(PageMap.lookup(block))) {
                kept.add(block);
            } else {
                Heap.free(block);
            }
        }
        engine.maintain(false);             // sees the owner's allocations: its classes are in use
        engine.maintain(false);             // finds them idle, the owner blocked: the hand-over
        return kept;
    }

    /** The page of a block another thread allocates now. */
    private static Page pageAnotherThreadAllocates(Engine engine) throws InterruptedException {
        Page[] page = new Page[1];
        Thread other = Thread.ofPlatform().start(() -> {
            long block = engine.heapOf(Thread.currentThread()).malloc(engine.classes.classOf(BLOCK));
            page[0] = PageMap.lookup(block);
        });
        other.join();
        return page[0];
    }

    /** An owner parked after its allocations, once it is. */
    private static Owner parkedOwner(Engine engine) throws InterruptedException {
        Owner owner = new Owner(engine, finish -> {
            while (!finish.get()) {
                LockSupport.park();
            }
        });
        awaitState(owner.thread, Thread.State.WAITING);
        return owner;
    }

    private static void awaitState(Thread thread, Thread.State state) {
        while (thread.getState() != state) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aBlockedOwnersPagesServeOtherThreads() throws Exception {
        Engine engine = engine();
        try (Owner owner = parkedOwner(engine)) {
            Set<Page> handedOver = owner.pages();
            List<Long> kept = freeMostAndPass(engine, owner);

            assertThat(handedOver).allSatisfy(p -> assertThat(p.heap).isSameAs(Heap.NO_OWNER));
            assertThat(pageAnotherThreadAllocates(engine)).as("a page with room that the blocked owner held")
                    .isIn(handedOver);
            for (long block : kept) {
                Heap.free(block);       // the owner's blocks stay freeable wherever their pages went
            }
        }
        engine.close();
    }

    @Test
    void aBlockedOwnerKeepsTheClassesItUsedSinceThePreviousPass() throws Exception {
        // sh8bench's threads block on their queues between batches: their classes are in use, their pages stay.
        Engine engine = engine();
        try (Owner owner = parkedOwner(engine)) {
            engine.maintain(false);              // the first pass since the owner allocated
            assertThat(owner.pages()).allSatisfy(p -> assertThat(p.heap).isNotSameAs(Heap.NO_OWNER));
        }
        engine.close();
    }

    @Test
    void aRunningOwnerKeepsItsPages() throws Exception {
        Engine engine = engine();
        try (Owner owner = new Owner(engine, finish -> {
            while (!finish.get()) {
                Thread.onSpinWait();     // runnable, allocating nothing
            }
        })) {
            Set<Page> pages = owner.pages();
            freeMostAndPass(engine, owner);

            assertThat(pages).allSatisfy(p -> assertThat(p.heap).isNotSameAs(Heap.NO_OWNER));
            assertThat(pageAnotherThreadAllocates(engine)).isNotIn(pages);
        }
        engine.close();
    }

    @Test
    void theOwnersLaterFreesOfHandedOverBlocksGoToTheirPages() throws Exception {
        Engine engine = engine();
        List<Long> kept = new ArrayList<>();
        CountDownLatch handedOver = new CountDownLatch(1);
        CountDownLatch freed = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        try (Owner owner = new Owner(engine, finish -> {
            try {
                handedOver.await();
                kept.forEach(Heap::free);          // the owner frees its own blocks of pages no longer its own
                Heap heap = engine.heapOf(Thread.currentThread());
                long again = heap.malloc(engine.classes.classOf(BLOCK));   // its current slot was emptied
                Heap.free(again);
            } catch (Throwable e) {
                failure[0] = e;
            }
            freed.countDown();
        })) {
            awaitState(owner.thread, Thread.State.WAITING);
            Set<Page> pages = owner.pages();
            for (long block : freeMostAndPass(engine, owner)) {
                if (pages.contains(PageMap.lookup(block))) {
                    kept.add(block);
                }
            }
            assertThat(pages).allSatisfy(p -> assertThat(p.heap).isSameAs(Heap.NO_OWNER));
            handedOver.countDown();
            freed.await();
            assertThat(failure[0]).isNull();
            engine.maintain(false);
            assertThat(pages).as("emptied by the owner's remote frees, then released")
                    .allSatisfy(p -> assertThat(p.state).isEqualTo(Page.RELEASED));
        }
        engine.close();
    }

    @Test
    void ownersThatBlockAndWakeUnderConstantHandOffsNeverLoseOrCorruptABlock() throws Exception {
        // Each owner allocates blocks of many classes and fills them, gives half to a freeing thread, parks
        // (blocked, so a pass may hand its pages over at any moment), then checks and frees the other half
        // itself. A thread runs maintenance passes back to back the whole time.
        Engine engine = engine();
        int owners = 3;
        int rounds = 400;
        BlockingQueue<long[]> toFree = new LinkedBlockingQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong handedOverSeen = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread passes = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                engine.maintain(false);
            }
        });
        Thread freer = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    long[] b = toFree.take();
                    if (b.length == 0) {
                        return;
                    }
                    checkFilled(b[0], (int) b[1]);
                    Heap.free(b[0]);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        List<Thread> threads = new ArrayList<>();
        for (int o = 0; o < owners; o++) {
            int seed = o;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    SplittableRandom random = new SplittableRandom(seed);
                    Heap heap = engine.heapOf(Thread.currentThread());
                    for (int round = 0; round < rounds; round++) {
                        List<long[]> mine = new ArrayList<>();
                        for (int i = 0; i < 64; i++) {
                            int size = 16 + random.nextInt(2000);
                            long block = heap.malloc(engine.classes.classOf(size));
                            fill(block, size);
                            if (i % 2 == 0) {
                                toFree.add(new long[] {block, size});
                            } else {
                                mine.add(new long[] {block, size});
                            }
                        }
                        LockSupport.parkNanos(200_000);       // blocked: the passes may take every page now
                        if (round == rounds - 1) {
                            // Blocked until a pass has handed a page of its blocks over (two passes while it
                            // parks: one marks its classes idle, the next takes their pages), so that the test
                            // sees hand-overs whatever the machine's timing made of the rounds before.
                            awaitHandOver(heap, mine);
                        }
                        heap = engine.heapOf(Thread.currentThread());
                        for (long[] b : mine) {
                            if (PageMap.lookup(b[0]).heap != heap) {
                                handedOverSeen.incrementAndGet();
                            }
                            checkFilled(b[0], (int) b[1]);
                            Heap.free(b[0]);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        toFree.add(new long[0]);
        freer.join();
        done.set(true);
        passes.join();
        assertThat(failure.get()).isNull();
        assertThat(handedOverSeen.get()).as("blocks the owner freed after its pages were handed over").isPositive();
        engine.maintain(true);
        engine.close();
    }

    /** Parks until a block of {@code blocks} lies in a page {@code heap} no longer owns; fails after a minute. */
    private static void awaitHandOver(Heap heap, List<long[]> blocks) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (blocks.stream().allMatch(b -> PageMap.lookup(b[0]).heap == heap)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no pass handed a page of a blocked owner over in a minute");
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private static void fill(long block, int size) {
        for (int i = 0; i + 8 <= size; i += 8) {
            Memory.putLong(block + i, block ^ i);
        }
    }

    private static void checkFilled(long block, int size) {
        for (int i = 0; i + 8 <= size; i += 8) {
            if (Memory.getLong(block + i) != (block ^ i)) {
                throw new AssertionError("block 0x" + Long.toHexString(block) + " changed at offset " + i);
            }
        }
    }
}
