package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A thread finds its heap on the fast path, also when live threads hold its slots of the table. */
class HeapLookupTest {

    @Test
    void aThreadWhoseSlotALiveThreadHoldsStillFindsItsHeapOnTheFastPath() throws Exception {
        Engine engine = new Engine("lookup-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        CountDownLatch done = new CountDownLatch(1);
        Holder holder = new Holder(engine, done);
        holder.startAndWaitForHeap();                 // alive until done, so its slot stays taken
        Newcomer colliding = firstWhoseId(() -> new Newcomer(engine), n -> n.thread,
                id -> Engine.firstSlot(id) == Engine.firstSlot(holder.thread.threadId()));
        assertThat(colliding).isNotNull();
        colliding.thread.start();
        colliding.thread.join();
        done.countDown();
        holder.thread.join();
        assertThat(colliding.created.get()).isNotNull();
        assertThat(colliding.found.get()).as("its heap, from the table's second slot, not from a ThreadLocal")
                .isSameAs(colliding.created.get());
    }

    @Test
    void aThreadWhoseTwoSlotsLiveThreadsHoldMovesOneOfThemAsideAndBothStayOnTheFastPath() throws Exception {
        Engine engine = new Engine("lookup-test-2", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        CountDownLatch done = new CountDownLatch(1);
        // The newcomer: a thread whose first slot is the first holder's (ids equal modulo the table size), and
        // whose second slot a second holder takes as its own first.
        Holder first = new Holder(engine, done);
        first.startAndWaitForHeap();
        long firstId = first.thread.threadId();
        Newcomer newcomer = firstWhoseId(() -> new Newcomer(engine), n -> n.thread,
                id -> Engine.firstSlot(id) == Engine.firstSlot(firstId)
                        && Engine.secondSlot(id) != Engine.secondSlot(firstId)
                        && Engine.secondSlot(id) != Engine.firstSlot(id));
        assertThat(newcomer).isNotNull();
        int secondOfNewcomer = Engine.secondSlot(newcomer.thread.threadId());
        Holder second = firstWhoseId(() -> new Holder(engine, done), h -> h.thread,
                id -> Engine.firstSlot(id) == secondOfNewcomer);
        assertThat(second).isNotNull();
        second.startAndWaitForHeap();
        List<Holder> holders = List.of(first, second);
        Heap[] table = engine.slotTable();
        assertThat(table[Engine.firstSlot(firstId)]).isSameAs(first.heap.get());
        assertThat(table[secondOfNewcomer]).isSameAs(second.heap.get());

        newcomer.thread.start();
        newcomer.thread.join();
        assertThat(newcomer.found.get()).as("the newcomer's heap, on the fast path").isNotNull()
                .isSameAs(newcomer.created.get());
        done.countDown();                           // the holders look up their heaps again, then end
        for (Holder h : holders) {
            h.thread.join();
        }
        for (int i = 0; i < holders.size(); i++) {
            assertThat(holders.get(i).foundAfter.get()).as("holder %d still on the fast path", i)
                    .isSameAs(holders.get(i).heap.get());
        }
    }

    /**
     * The first of up to 2 × {@link Engine#SLOT_COUNT} freshly made things whose (unstarted) thread's id passes
     * {@code test}, or null. Thread ids are handed out in order, so every slot's ids come up in that many.
     */
    private static <T> T firstWhoseId(Supplier<T> make, Function<T, Thread> threadOf, LongPredicate test) {
        for (int i = 0; i < 2 * Engine.SLOT_COUNT; i++) {
            T candidate = make.get();
            if (test.test(threadOf.apply(candidate).threadId())) {
                return candidate;
            }
        }
        return null;
    }

    /** An unstarted thread that makes its heap and looks it up at once on the fast path. */
    private static final class Newcomer {
        final AtomicReference<Heap> created = new AtomicReference<>();
        final AtomicReference<Heap> found = new AtomicReference<>();
        final Thread thread;

        Newcomer(Engine engine) {
            thread = Thread.ofPlatform().unstarted(() -> {
                created.set(engine.heapOf(Thread.currentThread()));
                found.set(Engine.fastHeap(engine.slotTable()));
            });
        }
    }

    /** A thread that makes its heap, stays alive until {@code done}, then looks its heap up on the fast path. */
    private static final class Holder {
        final AtomicReference<Heap> heap = new AtomicReference<>();
        final AtomicReference<Heap> foundAfter = new AtomicReference<>();
        final Thread thread;

        Holder(Engine engine, CountDownLatch done) {
            thread = Thread.ofPlatform().unstarted(() -> {
                synchronized (heap) {
                    heap.set(engine.heapOf(Thread.currentThread()));
                    heap.notifyAll();
                }
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                foundAfter.set(Engine.fastHeap(engine.slotTable()));
            });
        }

        void startAndWaitForHeap() throws InterruptedException {
            thread.start();
            synchronized (heap) {
                while (heap.get() == null) {
                    heap.wait();
                }
            }
        }
    }
}
