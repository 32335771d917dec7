package dev.lgmalloc.internal;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread, {@code lgmalloc-maintenance}, that periodically runs {@link Engine#maintain} for every live
 * engine: Java threads have no exit hook, so this is where the heaps of ended threads are found and where
 * free memory goes back to the OS after the purge delay.
 */
final class Maintenance {

    static final long INTERVAL_MILLIS = 50;
    /**
     * The least time between a pass and one asked for between ticks ({@link #passSoon}); and at most one of those
     * between two ticks, so a program that starts thread after thread at most doubles this thread's work.
     */
    private static final long MIN_GAP_NANOS = 10_000_000;

    /**
     * {@link System#nanoTime()} as of the last tick: a clock for the allocator's own delays that costs a volatile
     * load instead of a {@code nanoTime} call (about 20 ns, more than a whole malloc/free pair).
     */
    private static volatile long clockNanos = System.nanoTime();

    private static final List<WeakReference<Engine>> ENGINES = new ArrayList<>();
    private static volatile Thread thread;
    /** Set by {@link #passSoon}: run a pass now, between two ticks. */
    private static volatile boolean passRequested;
    /** Passes run on request between ticks, for tests. */
    private static volatile long requestedPasses;

    private Maintenance() {
    }

    static synchronized void register(Engine engine) {
        ENGINES.add(new WeakReference<>(engine));
        if (thread == null) {
            // A class, not a method reference: the first lambda of a JVM spins up the lambda machinery (milliseconds)
            thread = Thread.ofPlatform().daemon().name("lgmalloc-maintenance").unstarted(new Ticks());
            thread.start();
        }
    }

    static synchronized void unregister(Engine engine) {
        ENGINES.removeIf(ref -> ref.get() == null || ref.get() == engine);
    }

    /**
     * Asks for a pass now rather than at the next tick: a thread just made its heap, and it is the one that would
     * adopt the pages of threads that stopped allocating. A blocked thread's idle classes are handed over at the
     * second pass that finds them unused (Heap.reclaim); a pass taken when the new thread starts makes that the
     * next tick instead of the one after. Cheap for the caller: a volatile write and an unpark.
     */
    static void passSoon() {
        Thread t = thread;
        if (t != null && !passRequested) {
            passRequested = true;
            LockSupport.unpark(t);
        }
    }

    /** How many passes ran on request, between ticks. */
    static long requestedPasses() {
        return requestedPasses;
    }

    /** The time of the last tick, at most {@link #INTERVAL_MILLIS} behind {@link System#nanoTime()}. */
    static long clock() {
        return clockNanos;
    }

    static List<Engine> live() {
        synchronized (Maintenance.class) {
            List<Engine> out = new ArrayList<>();
            ENGINES.removeIf(ref -> {
                Engine e = ref.get();
                if (e != null) {
                    out.add(e);
                }
                return e == null;
            });
            return out;
        }
    }

    private static final class Ticks implements Runnable {
        @Override
        public void run() {
            Maintenance.run();
        }
    }

    private static void run() {
        boolean first = true;
        long nextTick = System.nanoTime() + INTERVAL_MILLIS * 1_000_000;
        long lastPass = Long.MIN_VALUE / 2;
        boolean servedSinceTick = false;
        while (true) {
            // Parks until the tick, or until a request may be served: not before the first tick (see below), and
            // not within MIN_GAP of the last pass, so that a program starting thread after thread does not keep
            // this thread busy. The ticks stay on their schedule whatever is asked between them.
            long now = System.nanoTime();
            long until = nextTick;
            if (passRequested && !first && !servedSinceTick) {
                until = Math.min(until, lastPass + MIN_GAP_NANOS);
            }
            if (until - now > 0) {
                LockSupport.parkNanos(until - now);
                if (Thread.interrupted()) {
                    return;
                }
                continue;
            }
            boolean tick = nextTick - now <= 0;
            passRequested = false;
            try {
                clockNanos = now;
                lastPass = now;
                if (tick) {
                    nextTick = now + INTERVAL_MILLIS * 1_000_000;
                    servedSinceTick = false;
                } else {
                    servedSinceTick = true;
                    requestedPasses++;
                }
                if (first) {
                    // Off the first malloc's path, and after it: linking at once made the first malloc wait (on
                    // two cores, for the CPU and for the FFM classes both threads initialise). The downcalls,
                    // whose linking is most of a fresh JVM's first-malloc cost (the pages until then are
                    // borrowed), and JFR's periodic hooks, whose registration loads JFR's machinery. A recording
                    // sees the hooks from its next period.
                    first = false;
                    Os.link();
                    Os.linkRest();
                    dev.lgmalloc.internal.jfr.Telemetry.register(Maintenance::live);
                }
                for (Engine e : live()) {
                    e.maintain(false);
                }
            } catch (RuntimeException | Error e) {
                // Keep the allocator serviceable; report once per failure.
                System.err.println("lgmalloc-maintenance: " + e);
            }
        }
    }
}
