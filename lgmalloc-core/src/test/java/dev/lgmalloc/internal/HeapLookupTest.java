package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A thread finds its heap on the fast path, also when a live thread holds its slot of the table. */
class HeapLookupTest {

    @Test
    void aThreadWhoseSlotALiveThreadHoldsStillFindsItsHeapOnTheFastPath() throws Exception {
        Engine engine = new Engine("lookup-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            engine.heapOf(Thread.currentThread());
            holding.countDown();
            try {
                done.await();                 // alive, so its slot stays taken
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        // Thread ids are handed out in order: construct threads until one has the holder's slot.
        Thread colliding = null;
        AtomicReference<Heap> created = new AtomicReference<>();
        AtomicReference<Heap> found = new AtomicReference<>();
        for (int i = 0; i < 2 * Engine.SLOT_COUNT && colliding == null; i++) {
            Thread t = Thread.ofPlatform().unstarted(() -> {
                created.set(engine.heapOf(Thread.currentThread()));
                found.set(Engine.fastHeap(engine.slotTable()));
            });
            if (Engine.firstSlot(t.threadId()) == Engine.firstSlot(holder.threadId())) {
                colliding = t;
            }
        }
        assertThat(colliding).isNotNull();
        colliding.start();
        colliding.join();
        done.countDown();
        holder.join();
        assertThat(created.get()).isNotNull();
        assertThat(found.get()).as("its heap, from the table's second slot, not from a ThreadLocal")
                .isSameAs(created.get());
    }

    @Test
    void aThreadWhoseTwoSlotsLiveThreadsHoldMovesOneOfThemAsideAndBothStayOnTheFastPath() throws Exception {
        Engine engine = new Engine("lookup-test-2", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        CountDownLatch done = new CountDownLatch(1);
        List<Thread> holders = new ArrayList<>();
        List<AtomicReference<Heap>> holderHeaps = new ArrayList<>();
        List<AtomicReference<Heap>> holderFound = new ArrayList<>();
        // The newcomer: a thread whose first slot is the first holder's (ids equal modulo the table size), and
        // whose second slot a second holder takes as its own first.
        Thread first = holder(engine, done, holders, holderHeaps, holderFound);
        Thread newcomerThread = null;
        AtomicReference<Heap> created = new AtomicReference<>();
        AtomicReference<Heap> found = new AtomicReference<>();
        for (int i = 0; i < 2 * Engine.SLOT_COUNT && newcomerThread == null; i++) {
            Thread t = Thread.ofPlatform().unstarted(() -> {
                created.set(engine.heapOf(Thread.currentThread()));
                found.set(Engine.fastHeap(engine.slotTable()));
            });
            if (Engine.firstSlot(t.threadId()) == Engine.firstSlot(first.threadId())
                    && Engine.secondSlot(t.threadId()) != Engine.secondSlot(first.threadId())
                    && Engine.secondSlot(t.threadId()) != Engine.firstSlot(t.threadId())) {
                newcomerThread = t;
            }
        }
        assertThat(newcomerThread).isNotNull();
        int secondOfNewcomer = Engine.secondSlot(newcomerThread.threadId());
        Thread second = null;
        for (int i = 0; i < 2 * Engine.SLOT_COUNT && second == null; i++) {
            Thread t = holderThread(engine, done, holderHeaps, holderFound);
            if (Engine.firstSlot(t.threadId()) == secondOfNewcomer) {
                second = t;
            } else {
                holderHeaps.removeLast();
                holderFound.removeLast();
            }
        }
        assertThat(second).isNotNull();
        holders.add(second);
        startAndWaitForHeap(second, holderHeaps.getLast());
        Heap[] table = engine.slotTable();
        assertThat(table[Engine.firstSlot(first.threadId())]).isSameAs(holderHeaps.get(0).get());
        assertThat(table[secondOfNewcomer]).isSameAs(holderHeaps.get(1).get());

        newcomerThread.start();
        newcomerThread.join();
        assertThat(found.get()).as("the newcomer's heap, on the fast path").isNotNull().isSameAs(created.get());
        done.countDown();                           // the holders look up their heaps again, then end
        for (Thread h : holders) {
            h.join();
        }
        for (int i = 0; i < holders.size(); i++) {
            assertThat(holderFound.get(i).get()).as("holder %d still on the fast path", i)
                    .isSameAs(holderHeaps.get(i).get());
        }
    }

    private static Thread holder(Engine engine, CountDownLatch done, List<Thread> holders,
                                 List<AtomicReference<Heap>> heaps, List<AtomicReference<Heap>> found)
            throws InterruptedException {
        Thread t = holderThread(engine, done, heaps, found);
        holders.add(t);
        startAndWaitForHeap(t, heaps.getLast());
        return t;
    }

    /** An unstarted thread that makes its heap, waits for {@code done}, then looks its heap up on the fast path. */
    private static Thread holderThread(Engine engine, CountDownLatch done, List<AtomicReference<Heap>> heaps,
                                       List<AtomicReference<Heap>> found) {
        AtomicReference<Heap> heap = new AtomicReference<>();
        AtomicReference<Heap> again = new AtomicReference<>();
        heaps.add(heap);
        found.add(again);
        return Thread.ofPlatform().unstarted(() -> {
            synchronized (heap) {
                heap.set(engine.heapOf(Thread.currentThread()));
                heap.notifyAll();
            }
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            again.set(Engine.fastHeap(engine.slotTable()));
        });
    }

    private static void startAndWaitForHeap(Thread t, AtomicReference<Heap> heap) throws InterruptedException {
        t.start();
        synchronized (heap) {
            while (heap.get() == null) {
                heap.wait();
            }
        }
    }
}
