package dev.lgmalloc.bench.workload;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds worker threads at a point while the main thread measures memory: workers {@link #arriveAndWait()}, the
 * main thread {@link #awaitAll()}, measures, then {@link #release()}s them. Nobody waits forever when a thread fails.
 */
final class Rendezvous {

    private final WorkloadContext context;
    private final CountDownLatch arrived;
    private final CountDownLatch released = new CountDownLatch(1);

    Rendezvous(WorkloadContext context, int parties) {
        this.context = context;
        this.arrived = new CountDownLatch(parties);
    }

    void arriveAndWait() {
        arrived.countDown();
        try {
            while (!released.await(50, TimeUnit.MILLISECONDS)) {
                context.throwIfFailed();
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    void awaitAll() throws InterruptedException {
        while (!arrived.await(50, TimeUnit.MILLISECONDS)) {
            context.throwIfFailed();
        }
    }

    void release() {
        released.countDown();
    }
}
