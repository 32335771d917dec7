package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.internal.Os;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fresh page hands its blocks out an OS page at a time: the malloc that reaches an untouched OS page links the
 * blocks starting in it into the page's free list, so the next ones take malloc's fast path. What must hold: the
 * blocks still go out in address order, no OS page becomes resident before a block handed out touches it, and a
 * block linked but never handed out is not live and cannot be freed.
 */
class FreshPageTest {

    private static final long OS_PAGE = Os.PAGE_SIZE;

    /** Pages from mapped memory: a JVM's first pages are borrowed from the JDK's allocator, zeroed so resident. */
    @BeforeAll
    static void linkMmap() {
        Os.link();
    }

    @Test
    void blocksGoOutInAddressOrderAndOnlyHandedOutOnesTouchTheirOsPages() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long first = allocator.malloc(64);
            assertThat(first % OS_PAGE).as("a fresh page starts at an OS page").isZero();
            assertThat(allocator.residency().classPageBytes()).as("the first block's OS page only").isEqualTo(OS_PAGE);
            for (int i = 1; i < 200; i++) {
                assertThat(allocator.malloc(64)).isEqualTo(first + 64L * i);
            }
            // 200 blocks of 64 B reach into a fourth OS page.
            assertThat(allocator.residency().classPageBytes()).isEqualTo(4 * OS_PAGE);
            assertThat(allocator.statistics().liveBlocks()).isEqualTo(200);
        }
    }

    @Test
    void aBlockThatStartsInTheOsPageButEndsInTheNextIsLinkedWithoutTouchingTheNext() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long first = allocator.malloc(48);
            long size = allocator.usableSize(first);
            assertThat(OS_PAGE % size).as("a class whose blocks straddle OS pages").isNotZero();
            // The last block starting in the first OS page has its link written there; its tail is not touched.
            assertThat(allocator.residency().classPageBytes()).isEqualTo(OS_PAGE);
            long straddling = first + OS_PAGE / size * size;
            long block = first;
            while (block != straddling) {
                long next = allocator.malloc(48);
                assertThat(next).isEqualTo(block + size);
                block = next;
            }
            assertThat(allocator.residency().classPageBytes()).isEqualTo(OS_PAGE);
            assertThat(allocator.malloc(48)).as("the first block starting in the next OS page").isEqualTo(block + size);
        }
    }

    @Test
    void aLinkedBlockNeverHandedOutIsNotLiveAndCannotBeFreed() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long first = allocator.malloc(64);
            assertThat(allocator.statistics().liveBlocks()).isOne();
            assertThatThrownBy(() -> allocator.free(first + 64)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("already free");
            assertThatThrownBy(() -> allocator.usableSize(first + 128)).isInstanceOf(InvalidFreeException.class);
            assertThat(allocator.malloc(64)).as("refused, and still handed out next").isEqualTo(first + 64);
            allocator.free(first);
        }
    }
}
