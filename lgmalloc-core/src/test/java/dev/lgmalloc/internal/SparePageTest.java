package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.InvalidFreeException;
import org.junit.jupiter.api.Test;

/**
 * A page of a small class that empties and is not its class's current page stays as the class's one spare, the
 * page its next slow path takes before a fresh one; a second emptied page goes back to its segment at once, and the
 * spare goes when the class is idle for a maintenance pass, or at a trim. (The extent pages of blocks from 8 KiB keep
 * three spares per heap instead: ExtentsTest.) The engine is off the maintenance thread, so that each pass here is
 * one {@link Engine#maintain} call.
 */
class SparePageTest {

    private static final long SIZE = 4096;          // 16 blocks to a page of one chunk
    private static final int PER_PAGE = 16;

    private static Allocator allocator() {
        return QuietMaintenance.of(Allocator.create(AllocatorConfiguration.defaults()));
    }

    private static int pagesOfClassOf(Allocator allocator, long size) {
        int blockSize = allocator.sizeClasses().blockSize(allocator.sizeClasses().classOf(size));
        AllocatorStatistics statistics = allocator.statistics();
        return statistics.classes().stream().filter(c -> c.blockSize() == blockSize)
                .mapToInt(AllocatorStatistics.ClassStatistics::pages).sum();
    }

    /** Fills {@code pages} pages of the class in turn (the last one current) and returns the blocks. */
    private static long[] fill(Allocator allocator, int pages) {
        long[] blocks = new long[pages * PER_PAGE];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.malloc(SIZE);
        }
        assertThat(PageMap.lookup(blocks[0]).capacity()).isEqualTo(PER_PAGE);
        return blocks;
    }

    private static void freePage(Allocator allocator, long[] blocks, int page) {
        for (int i = page * PER_PAGE; i < (page + 1) * PER_PAGE; i++) {
            allocator.free(blocks[i]);
            blocks[i] = 0;
        }
    }

    private static void freeRest(Allocator allocator, long[] blocks) {
        for (long block : blocks) {
            if (block != 0) {
                allocator.free(block);
            }
        }
    }

    @Test
    void anEmptiedPageServesTheClassNextInsteadOfAFreshOne() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fill(allocator, 2);
            Page first = PageMap.lookup(blocks[0]);
            freePage(allocator, blocks, 0);                 // the first page, full until now, empties
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            long next = allocator.malloc(SIZE);             // the current page is full: the spare serves
            assertThat(PageMap.lookup(next)).isSameAs(first);
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            allocator.free(next);
            freeRest(allocator, blocks);
        }
    }

    @Test
    void aClassKeepsOneSpareAndReleasesTheRest() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fill(allocator, 3);
            freePage(allocator, blocks, 0);                 // the class's spare
            freePage(allocator, blocks, 1);                 // released at once
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            freeRest(allocator, blocks);
        }
    }

    @Test
    void aSparesBlocksAreFreeAndASecondFreeOfOneIsRefused() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fill(allocator, 2);
            long freed = blocks[3];
            freePage(allocator, blocks, 0);
            assertThatThrownBy(() -> allocator.free(freed)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            freeRest(allocator, blocks);
        }
    }

    @Test
    void theSpareGoesWhenItsClassIsIdleForAPassOrAtATrim() {
        try (Allocator allocator = allocator()) {
            Engine engine = QuietMaintenance.engineOf(allocator);
            long[] blocks = fill(allocator, 2);
            freePage(allocator, blocks, 0);
            engine.maintain(false);                         // the class took slow paths since the last pass: kept
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            engine.maintain(false);                         // none since: released
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(1);

            long[] more = fill(allocator, 1);               // the current page is full: a fresh page
            freePage(allocator, blocks, 1);                 // the old current page empties: the spare
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            allocator.trim();                               // releases it at once (not the current page)
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(1);
            freeRest(allocator, more);
        }
    }

    @Test
    void aThreadThatEndsLeavesNoSpareBehind() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            Engine engine = QuietMaintenance.engineOf(allocator);
            Thread thread = Thread.ofPlatform().start(() -> {
                long[] blocks = fill(allocator, 2);
                freePage(allocator, blocks, 0);             // the spare
                freeRest(allocator, blocks);                // the current page empties and stays current
            });
            thread.join();
            assertThat(pagesOfClassOf(allocator, SIZE)).isEqualTo(2);
            engine.maintain(false);                         // reaps the ended thread's heap
            assertThat(pagesOfClassOf(allocator, SIZE)).isZero();
        }
    }
}
