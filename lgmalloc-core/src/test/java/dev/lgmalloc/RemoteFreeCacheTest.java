package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.internal.Memory;
import org.junit.jupiter.api.Test;

/**
 * A platform thread that allocates a class itself keeps the small blocks of that class it frees from other threads'
 * pages for its own next allocations, and hands the ones it does not reuse back to their pages in batches
 * (RemoteFreeCache; a thread that does not allocate the class gathers them instead: RemoteFreeGatheringTest). What
 * must hold: a kept block is not live, a second free of it is a double free, the freeing thread reuses it, a write
 * into it after its free keeps it from being reused, and the blocks reach their pages when a class is full, on
 * trim, and when the thread ends.
 */
class RemoteFreeCacheTest extends CrossThreadFreeFixture {

    /** RemoteFreeCache's capacity for 64-byte blocks: 4 KiB of them. */
    private static final int CAPACITY = 64;

    /**
     * Makes the freeing thread one that allocates {@code size}-byte blocks: it takes an OS page of them and keeps
     * them, so that its page of the class has no free block and its next allocations of the class come from what it
     * keeps.
     */
    private long[] freeingThreadAllocates(long size) throws Exception {
        return onTheOtherThread(() -> {
            long first = allocator.malloc(size);
            long[] rest = restOfOsPage(first, size);
            long[] own = java.util.Arrays.copyOf(rest, rest.length + 1);
            own[rest.length] = first;
            return own;
        });
    }

    @Test
    void keptBlocksAreNotLiveWhileTheFreeingThreadIdles() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(10);
        freeOnTheOtherThread(own);
        assertThat(allocator.statistics().liveBlocks()).isEqualTo(10);
        freeOnTheOtherThread(blocks);
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThat(allocator.statistics().heapDetails()).allSatisfy(h -> assertThat(h.liveBlocks()).isZero());
    }

    @Test
    void blocksOfAnOwnerThatIsRunningGoBackToItsPage() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(10);
        // This thread, the blocks' owner, spins instead of waiting while the other thread frees them: it is running,
        // so it may allocate from their page, and they go back there rather than serve the freeing thread.
        freeOnTheOtherThreadWhileRunning(blocks);
        long[] again = onTheOtherThread(() -> mallocs(10));
        assertThat(setOf(again)).doesNotContainAnyElementsOf(setOf(blocks));
        freeOnTheOtherThread(again);
        freeOnTheOtherThread(own);
        freeing.submit(allocator::trim).get();
        allocator.trim();
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void aSecondFreeOfAKeptBlockIsADoubleFree() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(3);
        freeOnTheOtherThread(new long[] {blocks[1]});
        // Caught on the keeping thread, by the page's owner and by a third thread: the block looks free.
        assertThatThrownBy(() -> freeOnTheOtherThread(new long[] {blocks[1]}))
                .hasCauseInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        assertThatThrownBy(() -> allocator.free(blocks[1]))
                .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        Throwable[] third = new Throwable[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                allocator.free(blocks[1]);
            } catch (Throwable e) {
                third[0] = e;
            }
        });
        t.join();
        assertThat(third[0]).isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        assertThatThrownBy(() -> allocator.usableSize(blocks[1])).isInstanceOf(InvalidFreeException.class);
        allocator.free(blocks[0]);
        allocator.free(blocks[2]);
        freeAll(own);
    }

    @Test
    void theFreeingThreadReusesTheBlocksItFreedNewestFirst() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(10);
        freeOnTheOtherThread(blocks);
        long[] again = onTheOtherThread(() -> mallocs(10));
        for (int i = 0; i < blocks.length; i++) {
            assertThat(again[i]).isEqualTo(blocks[blocks.length - 1 - i]);
        }
        // Live again, on the freeing thread: usable, counted, and freed by their owner like any block.
        assertThat(allocator.statistics().liveBlocks()).isEqualTo(10 + own.length);     // and its own blocks
        for (long b : again) {
            assertThat(allocator.usableSize(b)).isEqualTo(64);
            Memory.putLong(b + 56, b);
        }
        freeAll(again);
        freeAll(own);
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void aKeptBlockWrittenAfterItsFreeIsNeverHandedOutAgain() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(2);
        freeOnTheOtherThread(blocks);
        Memory.putLong(blocks[1], 0x5555_5555L);     // a use after free, into the block kept last
        long[] again = onTheOtherThread(() -> mallocs(2));
        assertThat(again[0]).isEqualTo(blocks[0]);
        assertThat(again[1]).isNotEqualTo(blocks[1]);
        assertThat(allocator.statistics().discardedBlocks()).isOne();
        allocator.free(again[0]);
        allocator.free(again[1]);
        freeAll(own);
    }

    @Test
    void aFullClassHandsItsBlocksBackAndTheRestComesBackOnTrim() throws Exception {
        long[] own = freeingThreadAllocates(64);
        long[] blocks = mallocs(CAPACITY + 8);
        long[] aside = restOfOsPage(blocks[blocks.length - 1], 64);
        freeOnTheOtherThread(blocks);
        // The class filled at CAPACITY and handed those blocks back: the owner's next allocations.
        long[] again = mallocs(CAPACITY);
        assertThat(setOf(again)).isEqualTo(setOf(java.util.Arrays.copyOf(blocks, CAPACITY)));
        // The class filled without the freeing thread drawing on it, so the other 8 were gathered in a chain: they
        // wait in the freeing thread until it trims (or allocates, or ends).
        freeing.submit(allocator::trim).get();
        long[] rest = mallocs(8);
        assertThat(setOf(rest)).isEqualTo(setOf(java.util.Arrays.copyOfRange(blocks, CAPACITY, blocks.length)));
        freeAll(again);
        freeAll(rest);
        freeAll(aside);
        freeAll(own);
    }

    @Test
    void aClassThatFillsWithoutReuseIsGatheredUntilTheThreadAllocatesItAgain() throws Exception {
        // 1 KiB blocks: 4 KiB of them, 4 blocks. The fifth free finds the class full and never drawn from: the four
        // go back to their page, and the fifth is gathered as a consumer's would be.
        long[] own = freeingThreadAllocates(1024);
        long[] blocks = mallocs(5, 1024);
        long[] aside = restOfOsPage(blocks[4], 1024);
        freeOnTheOtherThread(blocks);
        long[] again = mallocs(4, 1024);
        assertThat(setOf(again)).isEqualTo(setOf(java.util.Arrays.copyOf(blocks, 4)));
        freeing.submit(allocator::trim).get();
        long[] fifth = mallocs(1, 1024);
        assertThat(fifth[0]).isEqualTo(blocks[4]);
        // Once the thread allocates the class again, it keeps what it frees of it, and reuses it.
        long[] ownToo = freeingThreadAllocates(1024);
        freeOnTheOtherThread(fifth);
        long[] reused = onTheOtherThread(() -> mallocs(1, 1024));
        assertThat(reused[0]).isEqualTo(fifth[0]);
        freeAll(again);
        freeAll(aside);
        allocator.free(reused[0]);
        freeAll(own);
        freeAll(ownToo);
    }

    @Test
    void blocksAbove1KiBAreNotKept() throws Exception {
        long[] blocks = mallocs(8, 4096);
        long[] theirs = onTheOtherThread(() -> {
            allocator.free(allocator.malloc(4096));     // the thread allocates the class itself
            freeAll(blocks);
            return mallocs(8, 4096);
        });
        // Gathered for their page (DeferredFrees), not kept for the freeing thread's own allocations.
        assertThat(setOf(theirs)).doesNotContainAnyElementsOf(setOf(blocks));
        onTheOtherThread(() -> {
            freeAll(theirs);
            allocator.trim();
            return null;
        });
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void aThreadThatEndsHandsItsBlocksBack() throws Exception {
        long[] blocks = mallocs(10);
        long[] aside = restOfOsPage(blocks[9], 64);
        Thread t = Thread.ofPlatform().start(() -> {
            long own = allocator.malloc(64);
            freeAll(blocks);
            allocator.free(own);
        });
        t.join();
        allocator.trim();                    // reaps the ended thread's heap, which hands its blocks back
        assertThat(setOf(mallocs(10))).isEqualTo(setOf(blocks));
        freeAll(aside);
    }

    @Test
    void closingAnAllocatorWhoseBlocksAnotherThreadKeepsLeavesThatThreadWorking() throws Exception {
        freeingThreadAllocates(64);
        long[] blocks = mallocs(10);
        freeOnTheOtherThread(blocks);        // kept in the freeing thread's heap of this allocator
        // The kept blocks go with the allocator's memory; the thread goes on freeing another allocator's blocks.
        closeThenFreeAnotherAllocatorsBlocks(3 * CAPACITY);
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }
}
