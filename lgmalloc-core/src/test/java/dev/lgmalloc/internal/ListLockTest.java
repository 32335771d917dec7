package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A heap's list lock held by a virtual thread that is unmounted (parked, or blocked on a monitor) while virtual
 * threads wait for the lock on every carrier: the waiters must leave the carriers to the holder. They yielded, and
 * the scheduler ran them again before the holder, for minutes (CI, docs/RELIABILITY.md §2).
 */
class ListLockTest {

    private static final VarHandle LIST_LOCK;

    static {
        try {
            LIST_LOCK = MethodHandles.privateLookupIn(Heap.class, MethodHandles.lookup())
                    .findVarHandle(Heap.class, "listLock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void virtualThreadsWaitingForAHeapsListsLeaveTheCarriersToAnUnmountedHolder() throws Exception {
        Engine engine = new Engine("list-lock-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        Heap[] heap = new Heap[1];
        Thread owner = Thread.ofPlatform().start(() -> heap[0] = engine.heapOf(Thread.currentThread()));
        owner.join();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        Thread holder = Thread.ofVirtual().start(() -> {
            assertThat(LIST_LOCK.compareAndSet(heap[0], 0, 1)).isTrue();
            held.countDown();
            LockSupport.park();                     // unmounted, holding the lists, until the test unparks it
            LIST_LOCK.setRelease(heap[0], 0);
            released.countDown();
        });
        held.await();
        // As many waiters as carriers, each taking the heap's lists as a forced pass (a trim) does.
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < carriers; i++) {
            waiters.add(Thread.ofVirtual().start(() -> heap[0].reclaim(true, false)));
        }
        for (Thread waiter : waiters) {
            while (Arrays.stream(waiter.getStackTrace()).noneMatch(f -> f.getMethodName().equals("lockLists"))) {
                Thread.onSpinWait();                // until each waits for the lists
            }
        }
        LockSupport.unpark(holder);
        boolean ran = released.await(20, TimeUnit.SECONDS);
        if (!ran) {
            LIST_LOCK.setRelease(heap[0], 0);       // so the waiters end and later tests get the carriers back
        }
        assertThat(ran).as("the holder ran again and gave the lists back").isTrue();
        for (Thread waiter : waiters) {
            waiter.join();
        }
        engine.close();
    }
}
