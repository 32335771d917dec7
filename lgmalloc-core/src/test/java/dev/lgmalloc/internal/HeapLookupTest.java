package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
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
}
