package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics;
import org.junit.jupiter.api.Test;

/**
 * A page of a big class that empties stays as its class's one spare, so a live count swinging across a page
 * boundary does not release and take a page at every swing; trim releases it. Small classes release at once.
 */
class SparePageTest {

    private static int pagesOfClassOf(Allocator allocator, long size) {
        int blockSize = allocator.sizeClasses().blockSize(allocator.sizeClasses().classOf(size));
        AllocatorStatistics statistics = allocator.statistics();
        return statistics.classes().stream().filter(c -> c.blockSize() == blockSize)
                .mapToInt(AllocatorStatistics.ClassStatistics::pages).sum();
    }

    private static void fillTwoPagesAndEmptyTheFirst(Allocator allocator, long size, long[] blocks) {
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.malloc(size);
        }
        int perPage = PageMap.lookup(blocks[0]).capacity();
        for (int i = 0; i < perPage; i++) {
            allocator.free(blocks[i]);          // the first page, full until now, empties
        }
    }

    @Test
    void anEmptiedPageOfABigClassStaysUntilTrim() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long size = 20_000;                                  // 12 blocks to a page of 4 chunks
            long[] blocks = new long[24];
            fillTwoPagesAndEmptyTheFirst(allocator, size, blocks);
            assertThat(pagesOfClassOf(allocator, size)).isEqualTo(2);
            long again = allocator.malloc(size);               // the full current page retires: the spare serves
            assertThat(pagesOfClassOf(allocator, size)).isEqualTo(2);
            allocator.free(again);                             // the spare, now current, stays current
            for (int i = 12; i < blocks.length; i++) {
                allocator.free(blocks[i]);                     // the other page empties: the class's new spare
            }
            assertThat(pagesOfClassOf(allocator, size)).isEqualTo(2);
            allocator.trim();                                  // releases the spare (not the current page)
            assertThat(pagesOfClassOf(allocator, size)).isEqualTo(1);
        }
    }

    @Test
    void anEmptiedPageOfASmallClassGoesAtOnce() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long size = 4096;                                    // 16 blocks to a page of one chunk
            long[] blocks = new long[32];
            fillTwoPagesAndEmptyTheFirst(allocator, size, blocks);
            assertThat(pagesOfClassOf(allocator, size)).isEqualTo(1);
            for (int i = 16; i < blocks.length; i++) {
                allocator.free(blocks[i]);
            }
        }
    }
}
