package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Each heap counts its empty extent pages ({@link Heap#emptyExtentPages}), which decides whether a page a free
 * empties goes back or stays as a spare: the count must be exact through every way a page empties, fills, joins
 * another heap or goes. The engine is off the maintenance thread, so nothing moves pages but the calls made here.
 */
class EmptyExtentPagesTest {

    private static final int HALF_PAGE = (Units.COUNT << Units.UNIT_SHIFT) / 2;  // two blocks fill a page

    @Test
    void aPageIsCountedEmptyInTheHeapItBelongsTo() throws Exception {
        Engine engine = engine();
        int sizeClass = engine.classes.classOf(HALF_PAGE);
        AtomicReference<Heap> endedHeap = new AtomicReference<>();
        List<Long> left = new ArrayList<>();
        Thread ended = Thread.ofPlatform().start(() -> {
            Heap heap = engine.heapOf(Thread.currentThread());
            endedHeap.set(heap);
            long[] blocks = new long[8];                       // four full pages
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = heap.malloc(sizeClass);
            }
            for (int i = 0; i < 5; i++) {
                Heap.free(blocks[i]);                          // the first into the thread's cache
            }
            heap.extentCache.flush(engine.extents);            // two pages empty, a third half
            for (int i = 5; i < blocks.length; i++) {
                left.add(blocks[i]);
            }
        });
        ended.join();
        Heap first = endedHeap.get();
        assertThat(first.emptyExtentPages.get()).isEqualTo(2).isEqualTo(emptyPagesOf(first));
        ExecutorService next = Executors.newSingleThreadExecutor();
        try {
            Heap second = next.submit(() -> engine.heapOf(Thread.currentThread())).get();  // reclaims the ended one
            // Each of these takes one of the ended heap's pages: its empty ones first, where they lie
            List<Long> taken = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                taken.add(next.submit(() -> second.malloc(sizeClass)).get());
                assertThat(first.emptyExtentPages.get()).as("the ended heap's, after %d", i + 1)
                        .isEqualTo(emptyPagesOf(first));
                assertThat(second.emptyExtentPages.get()).as("the new heap's, after %d", i + 1)
                        .isEqualTo(emptyPagesOf(second));
            }
            assertThat(first.emptyExtentPages.get()).isZero();
            for (long block : taken) {
                next.submit(() -> Heap.free(block)).get();
            }
            next.submit(() -> second.extentCache.flush(engine.extents)).get();
            for (long block : left) {
                Heap.free(block);                              // from another thread: onto the pages' remote lists
            }
            for (Page page : first.extentPages.pages) {
                engine.extents.takeRemoteFrees(page);          // as the maintenance pass does
            }
            assertThat(first.emptyExtentPages.get()).isEqualTo(emptyPagesOf(first));
            assertThat(second.emptyExtentPages.get()).isEqualTo(emptyPagesOf(second)).isPositive();
            assertThat(first.emptyExtentPages.get() + second.emptyExtentPages.get())
                    .as("every page empty, and none released beyond each heap's spares")
                    .isEqualTo(first.extentPages.size() + second.extentPages.size());
            engine.extents.maintain(true);                     // trim: every empty page goes
            assertThat(first.emptyExtentPages.get()).isZero();
            assertThat(second.emptyExtentPages.get()).isZero();
        } finally {
            next.shutdown();
            engine.close();
        }
    }

    @Test
    void theCountStaysExactUnderRandomFreesFromBothThreads() throws Exception {
        Engine engine = engine();
        ExecutorService owner = Executors.newSingleThreadExecutor();
        try {
            Heap heap = owner.submit(() -> engine.heapOf(Thread.currentThread())).get();
            SplittableRandom random = new SplittableRandom(20261205);
            List<Long> live = new ArrayList<>();
            for (int step = 0; step < 4_000; step++) {
                if (live.isEmpty() || random.nextInt(100) < 52) {
                    int sizeClass = engine.classes.classOf(8 * 1024 + random.nextInt(HALF_PAGE - 8 * 1024));
                    live.add(owner.submit(() -> heap.malloc(sizeClass)).get());
                } else {
                    long block = live.remove(random.nextInt(live.size()));
                    if (random.nextBoolean()) {
                        owner.submit(() -> Heap.free(block)).get();
                    } else {
                        Heap.free(block);                      // the test's thread: a remote free
                        if (random.nextInt(4) == 0) {
                            engine.extents.takeRemoteFrees(PageMap.lookup(block));
                        }
                    }
                }
                if (step % 100 == 99) {
                    owner.submit(() -> heap.extentCache.flush(engine.extents)).get();
                    for (Page page : heap.extentPages.pages) {
                        engine.extents.takeRemoteFrees(page);
                    }
                    assertThat(heap.emptyExtentPages.get()).as("after step %d", step).isEqualTo(emptyPagesOf(heap))
                            .isLessThanOrEqualTo(Extents.SPARE_PAGES);
                }
            }
        } finally {
            owner.shutdown();
            engine.close();
        }
    }

    /** The heap's pages that hold no block, counted one by one. */
    private static int emptyPagesOf(Heap heap) {
        int empty = 0;
        for (Page page : heap.extentPages.pages) {
            if (page.units.liveBlocksRacy() == 0 && !page.units.isReleased()) {
                empty++;
            }
        }
        return empty;
    }

    private static Engine engine() {
        Engine engine = new Engine("empty-extent-pages-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        return engine;
    }
}
