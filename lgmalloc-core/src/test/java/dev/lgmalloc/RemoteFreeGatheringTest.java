package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A platform thread that does not allocate a class itself gathers its frees of other threads' blocks of that class
 * page by page and hands each chain over with one CAS (Heap.defer; one that does keeps them: RemoteFreeCacheTest).
 * What must hold meanwhile: a gathered block is not live, a second free of it is a double free,
 * and the chain reaches its page when it is long enough, on trim, and when its thread ends.
 */
class RemoteFreeGatheringTest extends CrossThreadFreeFixture {

    /** Heap.DEFERRED_LIMIT: a chain this long is handed over at once. */
    private static final int LIMIT = 64;

    @Test
    void gatheredBlocksAreNotLiveWhileTheFreeingThreadIdles() throws Exception {
        long[] blocks = mallocs(10);
        assertThat(allocator.statistics().liveBlocks()).isEqualTo(10);
        freeOnTheOtherThread(blocks);
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThat(allocator.statistics().heapDetails()).allSatisfy(h -> assertThat(h.liveBlocks()).isZero());
    }

    @Test
    void aSecondFreeOfAGatheredBlockIsADoubleFree() throws Exception {
        long[] blocks = mallocs(3);
        freeOnTheOtherThread(new long[] {blocks[1]});
        // Caught on the gathering thread and on any other: the gathered block holds a free-list link.
        assertThatThrownBy(() -> freeOnTheOtherThread(new long[] {blocks[1]}))
                .hasCauseInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        assertThatThrownBy(() -> allocator.free(blocks[1]))
                .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        allocator.free(blocks[0]);
        allocator.free(blocks[2]);
    }

    @Test
    void aChainReachesItsPageWhenItIsLongEnoughAndTheRestOnTrim() throws Exception {
        long[] blocks = mallocs(3 * LIMIT + 8);
        long[] aside = restOfOsPage(blocks[blocks.length - 1], 64);
        freeOnTheOtherThread(blocks);
        // Three full chains were handed over: the owner's next allocations are those blocks again.
        Set<Long> freed = setOf(blocks);
        long[] again = mallocs(3 * LIMIT);
        assertThat(setOf(again)).isSubsetOf(freed);
        // The last 8 wait in the freeing thread's chain until it trims (or allocates, or ends).
        freeing.submit(allocator::trim).get();
        long[] rest = mallocs(8);
        assertThat(setOf(rest)).isSubsetOf(freed).doesNotContainAnyElementsOf(setOf(again));
        freeAll(again);
        freeAll(rest);
        freeAll(aside);
    }

    @Test
    void blocksAbove1KiBAreHandedOverAtOnce() throws Exception {
        long[] blocks = mallocs(8, 4096);
        freeOnTheOtherThread(blocks);
        // No trim, no hand-over limit reached: an idle thread does not hold big blocks back.
        long[] again = mallocs(8, 4096);
        assertThat(setOf(again)).isEqualTo(setOf(blocks));
    }

    @Test
    void aThreadThatEndsHandsItsChainOver() throws Exception {
        long[] blocks = mallocs(10);
        long[] aside = restOfOsPage(blocks[9], 64);
        Thread t = Thread.ofPlatform().start(() -> {
            freeAll(blocks);
        });
        t.join();
        allocator.trim();                    // reaps the ended thread's heap, which hands its chain over
        assertThat(setOf(mallocs(10))).isEqualTo(setOf(blocks));
        freeAll(aside);
    }

    @Test
    void closingAnAllocatorWhoseBlocksAnotherThreadGatheredLeavesThatThreadWorking() throws Exception {
        long[] blocks = mallocs(10);
        freeOnTheOtherThread(blocks);        // gathered in the freeing thread's heap of this allocator
        // The chain goes with the allocator's memory; the thread goes on freeing another allocator's blocks.
        closeThenFreeAnotherAllocatorsBlocks(3 * LIMIT);
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }
}
