package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import org.junit.jupiter.api.Test;

/**
 * A trim reclaims the heaps of ended threads. When the maintenance pass is reaping one of them at that moment, the
 * trim waits for that reap: it must not release pages, and return, while the ended thread's blocks are still on
 * their way back to them. The engine is off the maintenance thread; the reaper here is a thread of the test's,
 * stopped where the test says.
 */
class TrimDuringAReapTest {

    private static final int HALF_PAGE = (Units.COUNT << Units.UNIT_SHIFT) / 2;  // two blocks fill a page

    @Test
    void aTrimWaitsForAReapUnderWayAndThenReleasesEveryPage() throws Exception {
        Engine engine = new Engine("trim-during-a-reap-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        try {
            int half = engine.classes.classOf(HALF_PAGE);
            int small = engine.classes.classOf(Extents.MIN_BLOCK);
            long[] cached = new long[2];
            Thread ended = Thread.ofPlatform().start(() -> {
                Heap heap = engine.heapOf(Thread.currentThread());
                long first = heap.malloc(half);
                long second = heap.malloc(half);        // the first page is full
                long other = heap.malloc(small);        // so this one opens a second page
                Heap.free(other);                       // into the thread's cache
                Heap.free(first);                       // into the cache too, the first of its class there
                Heap.free(second);                      // into its page
                cached[0] = other;
                cached[1] = first;
            });
            ended.join();
            Page second = PageMap.lookup(cached[0]);
            Page first = PageMap.lookup(cached[1]);
            assertThat(second).isNotSameAs(first);
            Thread reaper;
            Thread trimmer;
            // The reaper hands the ended thread's cache back class by class, the small block first: it stops at the
            // second page, with the first page's block still in the cache.
            synchronized (second.units) {
                reaper = Thread.ofPlatform().start(() -> engine.maintain(false));
                awaitBlockedOrEnded(reaper);
                trimmer = Thread.ofPlatform().start(() -> engine.maintain(true));
                awaitBlockedOrEnded(trimmer);
            }
            reaper.join();
            trimmer.join();
            assertThat(engine.statistics().liveBlocks()).isZero();
            assertThat(engine.statistics().committedBytes()).as("committed after the trim").isZero();
        } finally {
            engine.close();
        }
    }

    /** Waits until {@code t} waits for a monitor (or has ended): the condition itself, no timed wait. */
    private static void awaitBlockedOrEnded(Thread t) {
        while (t.isAlive() && t.getState() != Thread.State.BLOCKED) {
            Thread.onSpinWait();
        }
    }
}
