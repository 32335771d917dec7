package dev.lgmalloc.internal;

import dev.lgmalloc.Allocator;

/**
 * Takes an engine off the maintenance thread, for tests that assert what only their own calls change: its pass takes
 * pages' remote lists in, reaps ended threads' heaps, hands a blocked owner's idle pages off and purges free memory.
 * An engine registers itself as it is made, so a pass that listed the engines just before may still reach it: this
 * waits two ticks, until such a pass is over.
 */
public final class QuietMaintenance {

    private QuietMaintenance() {
    }

    /** Takes {@code engine} off the maintenance thread and waits out a pass under way. */
    static Engine of(Engine engine) {
        Maintenance.unregister(engine);
        awaitTicks(2);
        return engine;
    }

    /** Takes {@code allocator}'s engine off the maintenance thread and waits out a pass under way. */
    public static Allocator of(Allocator allocator) {
        of(engineOf(allocator));
        return allocator;
    }

    static Engine engineOf(Allocator allocator) {
        try {
            var field = Allocator.class.getDeclaredField("engine");
            field.setAccessible(true);
            return (Engine) field.get(allocator);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no engine field in Allocator", e);
        }
    }

    /** Waits for {@code n} ticks of the maintenance thread, on its clock; at most 10 s each (a tick is 50 ms). */
    static void awaitTicks(int n) {
        for (int i = 0; i < n; i++) {
            long seen = Maintenance.clock();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Maintenance.clock() == seen) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the maintenance thread did not tick for 10 s");
                }
                Thread.onSpinWait();
            }
        }
    }
}
