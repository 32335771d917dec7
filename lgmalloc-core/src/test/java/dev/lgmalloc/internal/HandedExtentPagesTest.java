package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An extent page that another thread's chain of frees empties, past its heap's spares, goes to the heap of the
 * thread that emptied it when that thread allocates extents itself, instead of back to its segment; its old heap's
 * allocations there are refused from then on. The engine is off the maintenance thread, so no pass takes lists in
 * or purges meanwhile.
 */
class HandedExtentPagesTest {

    private static final long SIZE = 32 * 1024;         // gathered in chains (DeferredFrees.MAX_EXTENT); 8 a page
    private static final int PER_PAGE = (int) (((long) Units.COUNT << Units.UNIT_SHIFT) / SIZE);
    private static final int FULL_PAGES = Extents.SPARE_PAGES + 2;

    /** This thread's blocks by page, the pages that hold {@link #PER_PAGE} of them only. */
    private static List<List<Long>> fullPagesOfBlocks(Allocator allocator) {
        Map<Page, List<Long>> byPage = new LinkedHashMap<>();
        for (int i = 0; i < (FULL_PAGES + 2) * PER_PAGE; i++) {
            long block = allocator.malloc(SIZE);
            byPage.computeIfAbsent(PageMap.lookup(block), p -> new ArrayList<>()).add(block);
        }
        List<List<Long>> full = new ArrayList<>();
        for (List<Long> blocks : byPage.values()) {
            if (blocks.size() == PER_PAGE && full.size() < FULL_PAGES) {
                full.add(blocks);
            }
        }
        assertThat(full).hasSize(FULL_PAGES);
        return full;
    }

    /**
     * On a thread of its own that allocates one extent first when {@code allocates}, frees the blocks of the given
     * pages page by page, handing its chains over as its next slow path would; returns the heap of that thread.
     */
    private static Heap freeOnAnotherThread(Engine engine, Allocator allocator, List<List<Long>> pages,
                                            boolean allocates) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Heap> heap = new AtomicReference<>();
        Thread.ofPlatform().start(() -> thrown.set(catchThrowable(() -> {
            Heap mine = engine.freeingHeapOf(Thread.currentThread());
            heap.set(mine);
            long own = allocates ? allocator.malloc(SIZE) : 0;
            for (List<Long> page : pages) {
                for (long block : page) {
                    allocator.free(block);
                }
                mine.deferredFrees.flush();
            }
            if (own != 0) {
                allocator.free(own);
            }
        }))).join();
        assertThat(thrown.get()).as("the other thread's frees").isNull();
        return heap.get();
    }

    @Test
    void aPageAnotherThreadEmptiedGoesToItsHeapAndItsOldHeapCanNoLongerAllocateThere() throws InterruptedException {
        try (Allocator allocator = QuietMaintenance.of(Allocator.create(AllocatorConfiguration.defaults()))) {
            Engine engine = QuietMaintenance.engineOf(allocator);
            Heap mine = engine.heapOf(Thread.currentThread());
            List<List<Long>> pages = fullPagesOfBlocks(allocator);
            List<Page> emptied = pages.stream().map(blocks -> PageMap.lookup(blocks.get(0))).toList();

            Heap freer = freeOnAnotherThread(engine, allocator, pages, true);

            List<Page> handed = emptied.stream().filter(p -> p.heap == freer).toList();
            assertThat(handed).as("the pages emptied past this heap's spares").hasSize(FULL_PAGES - Extents.SPARE_PAGES);
            for (Page page : handed) {
                assertThat(PageMap.lookup(page.start)).as("still mapped, not released").isSameAs(page);
                assertThat(freer.extentPages.pages).contains(page);
                assertThat(mine.extentPages.pages).doesNotContain(page);
                int sizeClass = engine.classes.classOf(SIZE);
                assertThat(page.units.allocate(page, Units.unitsFor((int) SIZE), sizeClass, 1, mine.extentCache,
                        mine.stockScratch, 0)).as("the old heap's walk, holding the page still").isZero();
            }
            assertThat(emptied.stream().filter(p -> p.heap == mine)).as("the spares").hasSize(Extents.SPARE_PAGES);
        }
    }

    @Test
    void aThreadThatAllocatesNoExtentsTakesNoPage() throws InterruptedException {
        try (Allocator allocator = QuietMaintenance.of(Allocator.create(AllocatorConfiguration.defaults()))) {
            Engine engine = QuietMaintenance.engineOf(allocator);
            List<List<Long>> pages = fullPagesOfBlocks(allocator);
            List<Page> emptied = pages.stream().map(blocks -> PageMap.lookup(blocks.get(0))).toList();

            Heap freer = freeOnAnotherThread(engine, allocator, pages, false);

            assertThat(emptied.stream().filter(p -> p.heap == freer)).isEmpty();
            assertThat(emptied.stream().filter(p -> p.heap == Heap.NO_OWNER))
                    .as("released, as before").hasSize(FULL_PAGES - Extents.SPARE_PAGES);
        }
    }
}
