package dev.lgmalloc.internal;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * One daemon thread, {@code lgmalloc-maintenance}, that periodically runs {@link Engine#maintain} for every live
 * engine: Java threads have no exit hook, so this is where the heaps of ended threads are found and where
 * free memory goes back to the OS after the purge delay.
 */
final class Maintenance {

    static final long INTERVAL_MILLIS = 50;

    /**
     * {@link System#nanoTime()} as of the last tick: a clock for the allocator's own delays that costs a volatile
     * load instead of a {@code nanoTime} call (about 20 ns, more than a whole malloc/free pair).
     */
    private static volatile long clockNanos = System.nanoTime();

    private static final List<WeakReference<Engine>> ENGINES = new ArrayList<>();
    private static Thread thread;

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
        while (true) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
                clockNanos = System.nanoTime();
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
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // Keep the allocator serviceable; report once per failure.
                System.err.println("lgmalloc-maintenance: " + e);
            }
        }
    }
}
