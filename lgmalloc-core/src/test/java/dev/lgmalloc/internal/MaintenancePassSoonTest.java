package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import org.junit.jupiter.api.Test;

/**
 * A pass asked for between two ticks runs without waiting for the next tick, and a thread making its heap asks
 * for one: a blocked thread's idle pages then reach the new thread a tick sooner (larson's first generation).
 * Ticks alone never count as requested passes, so without the request these tests wait out their deadline.
 */
class MaintenancePassSoonTest {

    private static final long DEADLINE_NANOS = 10_000_000_000L;

    @Test
    void aPassAskedForRunsBetweenTicks() {
        Engine engine = new Engine("pass-soon-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        try {
            awaitFirstTick();
            long before = Maintenance.requestedPasses();
            awaitRequestedPassAfter(before, Maintenance::passSoon);
        } finally {
            engine.close();
        }
    }

    @Test
    void aThreadMakingItsHeapAsksForAPass() throws InterruptedException {
        Engine engine = new Engine("pass-soon-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        try {
            awaitFirstTick();
            long before = Maintenance.requestedPasses();
            awaitRequestedPassAfter(before, () -> {
                Thread t = Thread.ofPlatform().start(() -> engine.heapOf(Thread.currentThread()));
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            engine.close();
        }
    }

    /** Requests wait for the first tick (its linking must not meet a fresh JVM's first malloc). */
    private static void awaitFirstTick() {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long start = Maintenance.clock();
        while (Maintenance.clock() == start) {
            assertThat(System.nanoTime()).as("the maintenance thread ticks").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /**
     * Runs {@code ask} until a pass runs between ticks: at most one such pass runs per tick interval, and a tick
     * also serves a request still pending, so one request may be served by a tick (not counted).
     */
    private static void awaitRequestedPassAfter(long before, Runnable ask) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (Maintenance.requestedPasses() == before) {
            assertThat(System.nanoTime()).as("a requested pass within 10 s").isLessThan(deadline);
            ask.run();
            Thread.yield();
        }
    }
}
