package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** An extent page's lock: one holder at a time, waiters spin, yield and nap until it is free. */
class PageLockTest {

    private static final class Guarded extends PageLock {
        long count;                     // guarded by the lock, plain on purpose: a lost update shows a second holder
    }

    @Test
    void holdersNeverOverlap() throws InterruptedException {
        Guarded guarded = new Guarded();
        int threads = 4;
        int rounds = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // Virtual threads too: a waiter that naps must give its carrier back, not hold it
            Thread.Builder builder = t % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            started.add(builder.start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < rounds; i++) {
                    guarded.lock();
                    try {
                        guarded.count++;
                    } finally {
                        guarded.unlock();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : started) {
            thread.join();
        }
        assertThat(guarded.count).isEqualTo((long) threads * rounds);
        assertThat(guarded.hasWaiters()).isFalse();
    }

    @Test
    void anInterruptedWaiterStillTakesTheLockAndKeepsItsInterrupt() throws InterruptedException {
        Guarded guarded = new Guarded();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        guarded.lock();
        Thread waiter;
        try {
            waiter = Thread.ofPlatform().start(() -> {
                guarded.lock();
                try {
                    guarded.count++;
                } finally {
                    guarded.unlock();
                }
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
            while (!guarded.hasWaiters()) {
                Thread.onSpinWait();
            }
            waiter.interrupt();
        } finally {
            guarded.unlock();
        }
        waiter.join();
        assertThat(guarded.count).isEqualTo(1);
        assertThat(interruptedAfter).isTrue();
    }
}
