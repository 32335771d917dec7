package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics;
import org.junit.jupiter.api.Test;

/**
 * A page of a small class that empties and is not its class's current page goes back to its segment at once (the
 * extent pages of blocks from 8 KiB keep three spares instead: ExtentsTest).
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
