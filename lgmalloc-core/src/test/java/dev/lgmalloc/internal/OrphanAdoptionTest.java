package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.SizeClasses;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The pages of a thread that ended go, among the threads that need pages of their class, first to the one that
 * freed into them last: the thread that took over the ended one's data (larson's next generation) gets the pages
 * that data lives in, instead of whichever orphan came first. The engine is off the maintenance thread, so nothing
 * moves pages here but the calls the test makes.
 */
class OrphanAdoptionTest {

    private static final int BLOCK = 64;
    private static final int PAGES = 8;
    private static final int BLOCKS = PAGES * (int) (PageMap.CHUNK_SIZE / BLOCK);   // one-chunk pages of 64 B blocks

    @Test
    void aThreadThatNeedsAPageTakesTheOrphanItFreedIntoLast() throws Exception {
        Engine engine = engine();
        int sizeClass = engine.classes.classOf(BLOCK);
        List<Long> blocks = blocksOfAnEndedThread(engine, sizeClass);
        ExecutorService a = Executors.newSingleThreadExecutor();
        ExecutorService b = Executors.newSingleThreadExecutor();
        try {
            // Making A's heap orphans the ended thread's pages.
            a.submit(() -> engine.heapOf(Thread.currentThread())).get();
            b.submit(() -> engine.heapOf(Thread.currentThread())).get();
            List<Page> orphans = orphansOf(engine, sizeClass);
            assertThat(orphans).hasSize(PAGES);
            // A frees into the orphan that list order alone would hand out last (the list's first), B into the rest.
            Page freedByA = orphans.getFirst();
            List<Page> freedByB = orphans.subList(1, orphans.size());
            a.submit(() -> Heap.free(firstBlockOf(blocks, freedByA))).get();
            for (Page page : freedByB) {
                b.submit(() -> Heap.free(firstBlockOf(blocks, page))).get();
            }
            long fromA = a.submit(() -> engine.heapOf(Thread.currentThread()).malloc(sizeClass)).get();
            long fromB = b.submit(() -> engine.heapOf(Thread.currentThread()).malloc(sizeClass)).get();
            assertThat(PageMap.lookup(fromA)).isSameAs(freedByA);
            assertThat(freedByB).contains(PageMap.lookup(fromB));
        } finally {
            a.shutdown();
            b.shutdown();
            engine.close();
        }
    }

    @Test
    void aThreadThatFreedIntoNoOrphanStillTakesOneWithRoom() throws Exception {
        Engine engine = engine();
        int sizeClass = engine.classes.classOf(BLOCK);
        List<Long> blocks = blocksOfAnEndedThread(engine, sizeClass);
        ExecutorService a = Executors.newSingleThreadExecutor();
        try {
            a.submit(() -> engine.heapOf(Thread.currentThread())).get();
            List<Page> orphans = orphansOf(engine, sizeClass);
            for (Page page : orphans) {
                Heap.free(firstBlockOf(blocks, page));          // from the test's thread, which never allocates
            }
            long fromA = a.submit(() -> engine.heapOf(Thread.currentThread()).malloc(sizeClass)).get();
            assertThat(orphans).contains(PageMap.lookup(fromA));
        } finally {
            a.shutdown();
            engine.close();
        }
    }

    private static Engine engine() {
        Engine engine = new Engine("orphan-adoption-test", SizeClasses.standard(), new int[0], 100_000_000L, 2, 0);
        QuietMaintenance.of(engine);
        return engine;
    }

    /** {@link #PAGES} full pages of {@code sizeClass}, allocated by a thread that has ended when this returns. */
    private static List<Long> blocksOfAnEndedThread(Engine engine, int sizeClass) throws InterruptedException {
        List<Long> blocks = new ArrayList<>();
        Thread ended = Thread.ofPlatform().start(() -> {
            Heap heap = engine.heapOf(Thread.currentThread());
            for (int i = 0; i < BLOCKS; i++) {
                blocks.add(heap.malloc(sizeClass));
            }
        });
        ended.join();
        return blocks;
    }

    @SuppressWarnings("unchecked")
    private static List<Page> orphansOf(Engine engine, int sizeClass) throws ReflectiveOperationException {
        Field field = Engine.class.getDeclaredField("orphans");
        field.setAccessible(true);
        List<List<Page>> orphans = (List<List<Page>>) field.get(engine);
        synchronized (orphans) {
            return List.copyOf(orphans.get(sizeClass));
        }
    }

    private static long firstBlockOf(List<Long> blocks, Page page) {
        return blocks.stream().filter(block -> PageMap.lookup(block) == page).findFirst().orElseThrow();
    }
}
