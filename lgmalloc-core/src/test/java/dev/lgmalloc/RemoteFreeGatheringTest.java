package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A platform thread that does not allocate a class itself gathers its frees of other threads' blocks of that class
 * page by page and hands each chain over with one CAS (DeferredFrees; one that does keeps them: RemoteFreeCacheTest),
 * and so it does with extents up to 32 KiB. What must hold meanwhile: a gathered block is not live, a second free of
 * it is a double free, and the chain reaches its page when it is long enough, on trim, and when its thread ends.
 */
class RemoteFreeGatheringTest extends CrossThreadFreeFixture {

    /** DeferredFrees.LIMIT: a chain this long is handed over at once. */
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
        assertASecondFreeIsADoubleFree(blocks[1]);
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
    void chainsOfSeveralPagesWaitSideBySide() throws Exception {
        // A message of two blocks of two classes, freed by a thread that only frees: each page's chain grows while
        // the other's does too. A single chain, handed over at every change of page, cost a CAS per block.
        long[] small = new long[10];
        long[] big = new long[10];
        for (int i = 0; i < 10; i++) {
            small[i] = allocator.malloc(64);
            big[i] = allocator.malloc(256);
        }
        long[] aside = concat(restOfOsPage(small[9], 64), restOfOsPage(big[9], 256));
        assertThat(slotOf(small[0])).as("the two pages' slots (DeferredFrees.SLOTS, by chunk)")
                .isNotEqualTo(slotOf(big[0]));
        long[] interleaved = new long[20];
        for (int i = 0; i < 10; i++) {
            interleaved[2 * i] = small[i];
            interleaved[2 * i + 1] = big[i];
        }
        // This thread spins meanwhile: a pass of the maintenance thread hands the pages of an owner that waits over
        // to the orphans, whose frees are pushed at once.
        freeOnTheOtherThreadWhileRunning(interleaved);
        assertThat(allocator.statistics().liveBlocks()).isEqualTo(aside.length);
        // Both chains wait in the idle thread: the owner's next blocks are others.
        long[] smallMeanwhile = mallocs(10, 64);
        long[] bigMeanwhile = mallocs(10, 256);
        long[] meanwhile = concat(concat(smallMeanwhile, restOfOsPage(smallMeanwhile[9], 64)),
                concat(bigMeanwhile, restOfOsPage(bigMeanwhile[9], 256)));
        assertThat(setOf(meanwhile)).doesNotContainAnyElementsOf(setOf(interleaved));
        freeing.submit(allocator::trim).get();
        assertThat(setOf(concat(mallocs(10, 64), mallocs(10, 256)))).isEqualTo(setOf(interleaved));
        freeAll(interleaved);
        freeAll(meanwhile);
        freeAll(aside);
    }

    @Test
    void aChainLeftBehindAfterARunOfFreesGoesToItsPageAtOnce() throws Exception {
        // Frees in page order, as xmalloc-test's consumers free each batch: when they move on after a run of frees
        // into one page, that page's chain goes to it, not into the table to wait.
        assertThat(leftBehindComesBack(10, 1)).isTrue();
        // A page left after one or two frees is parked: messages change page at every free.
        assertThat(leftBehindComesBack(2, 1)).isFalse();
    }

    @Test
    void aParkedChainGoesToItsPageOnceOtherPagesTookTheFrees() throws Exception {
        assertThat(leftBehindComesBack(2, 200)).isTrue();
    }

    /**
     * Frees {@code first} blocks of a page of 256-byte blocks, then {@code then} of a page of 64-byte blocks, on the
     * idle thread; whether the first page's blocks are the owner's next ones, before any trim.
     */
    private boolean leftBehindComesBack(int first, int then) throws Exception {
        long[] firstBlocks = mallocs(first, 256);
        long[] asideFirst = restOfOsPage(firstBlocks[first - 1], 256);
        long[] thenBlocks = mallocs(then, 64);
        long[] asideThen = restOfOsPage(thenBlocks[then - 1], 64);
        assertThat(slotOf(firstBlocks[0])).isNotEqualTo(slotOf(thenBlocks[0]));
        freeOnTheOtherThreadWhileRunning(concat(firstBlocks, thenBlocks));   // as above: the pages stay this thread's
        long[] again = mallocs(first, 256);
        boolean back = setOf(again).equals(setOf(firstBlocks));
        freeAll(again);
        freeing.submit(allocator::trim).get();
        freeAll(asideFirst);
        freeAll(asideThen);
        assertThat(allocator.statistics().liveBlocks()).isZero();
        return back;
    }

    @Test
    void anIdleThreadHoldsBack128KiBAtMost() throws Exception {
        // Four pages' chains of fewer than 64 blocks each, 195 KiB: three parked, one being added to.
        int[] sizes = {1024, 896, 768, 640};
        long[][] blocks = new long[sizes.length][];
        long[] aside = new long[0];
        java.util.Set<Integer> slots = new java.util.HashSet<>();
        for (int k = 0; k < sizes.length; k++) {
            blocks[k] = mallocs(60, sizes[k]);
            aside = concat(aside, restOfOsPage(blocks[k][59], sizes[k]));
            slots.add(slotOf(blocks[k][0]));
        }
        assertThat(slots).as("the pages' slots").hasSize(sizes.length);
        long[] interleaved = new long[60 * sizes.length];
        long freedBytes = 0;
        for (int i = 0; i < 60; i++) {
            for (int k = 0; k < sizes.length; k++) {
                interleaved[i * sizes.length + k] = blocks[k][i];
                freedBytes += allocator.usableSize(blocks[k][i]);
            }
        }
        freeOnTheOtherThread(interleaved);
        long reusedBytes = 0;
        long[] again = new long[0];
        for (int size : sizes) {
            long[] mine = mallocs(60, size);
            again = concat(again, mine);
            for (long b : mine) {
                reusedBytes += setOf(interleaved).contains(b) ? allocator.usableSize(b) : 0;
            }
        }
        // A fresh page's blocks are linked an OS page at a time, so a few untouched ones come first: 4 KiB of slack.
        assertThat(reusedBytes).as("bytes back in their pages without a trim, of %d freed", freedBytes)
                .isGreaterThanOrEqualTo(freedBytes - (128 << 10) - (4 << 10));
        freeAll(again);
        freeing.submit(allocator::trim).get();
        freeAll(aside);
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    /** Caught on the gathering thread and on any other: the gathered block holds a free-list link. */
    private void assertASecondFreeIsADoubleFree(long block) {
        assertThatThrownBy(() -> freeOnTheOtherThread(new long[] {block}))
                .hasCauseInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        assertThatThrownBy(() -> allocator.free(block))
                .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
    }

    private static int slotOf(long block) {
        return (int) (block >>> 16) & 15;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aSecondFreeOfAGatheredBigBlockIsADoubleFree() throws Exception {
        long[] blocks = mallocs(3, 4096);
        freeOnTheOtherThreadWhileRunning(new long[] {blocks[1]});    // gathered: no chain limit reached
        assertASecondFreeIsADoubleFree(blocks[1]);
        allocator.free(blocks[0]);
        allocator.free(blocks[2]);
    }

    @Test
    void bigBlocksAreGatheredInChainsOf64KiB() throws Exception {
        // 4 KiB blocks, 16 to a page: a chain of them goes at 16 blocks, not at 64. A full page before the frees,
        // so this thread's next blocks would be the freed ones if they had gone to it.
        long[] blocks = mallocs(16, 4096);
        long[] firstHalf = java.util.Arrays.copyOf(blocks, 8);
        long[] secondHalf = java.util.Arrays.copyOfRange(blocks, 8, 16);
        freeOnTheOtherThreadWhileRunning(firstHalf);      // the page stays this thread's (see above)
        long[] meanwhile = mallocs(8, 4096);
        assertThat(setOf(meanwhile)).as("32 KiB wait in the chain").doesNotContainAnyElementsOf(setOf(firstHalf));
        freeOnTheOtherThreadWhileRunning(secondHalf);
        // The rest of the page the meanwhile blocks came from, then the first page with all 16 back.
        long[] after = mallocs(24, 4096);
        assertThat(setOf(after)).as("at 64 KiB the chain went to its page").containsAll(setOf(blocks));
        freeAll(after);
        freeAll(meanwhile);
    }

    @Test
    void extentsAreGatheredInChainsOf64KiBAndStayCheckedExactly() throws Exception {
        // 16 KiB extents: a chain of them goes to its page at four blocks
        long[] blocks = mallocs(6, 16 * 1024);
        allocator.trim();                        // the blocks the first miss stocked go back to the page
        long[] gathered = java.util.Arrays.copyOf(blocks, 3);
        freeOnTheOtherThreadWhileRunning(gathered);
        assertThat(allocator.statistics().liveBlocks()).as("gathered extents are not live").isEqualTo(3);
        assertThat(allocator.statistics().liveBytes()).isEqualTo(3 * 16 * 1024);
        assertASecondFreeIsADoubleFree(blocks[1]);
        long[] meanwhile = mallocs(3, 16 * 1024);
        assertThat(setOf(meanwhile)).as("48 KiB wait in the chain").doesNotContainAnyElementsOf(setOf(gathered));
        freeOnTheOtherThreadWhileRunning(new long[] {blocks[3]});
        long[] after = mallocs(4, 16 * 1024);
        assertThat(setOf(after)).as("at 64 KiB the chain went to its page")
                .isEqualTo(setOf(java.util.Arrays.copyOf(blocks, 4)));
        freeAll(after);
        freeAll(meanwhile);
        freeAll(blocks[4], blocks[5]);
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void extentsOfSeveralClassesOfOnePageShareAChainAndLeaveEachClassesCount() throws Exception {
        // An extent page holds blocks of many classes: a thread freeing another thread's batch frees them in turn
        long[] sizes = {8 * 1024, 12 * 1024, 16 * 1024, 8 * 1024};
        long[] blocks = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            blocks[i] = allocator.malloc(sizes[i]);
        }
        allocator.trim();
        freeOnTheOtherThreadWhileRunning(blocks);        // 44 KiB: one chain, waiting
        AllocatorStatistics gathered = allocator.statistics();
        assertThat(gathered.liveBlocks()).isZero();
        assertThat(gathered.liveBytes()).isZero();
        assertThat(gathered.classes()).allSatisfy(c -> assertThat(c.liveBlocks()).isZero());
        assertThat(allocator.malloc(12 * 1024)).as("still in the chain").isNotEqualTo(blocks[1]);
        freeing.submit(allocator::trim).get();           // the chain goes to its page
        assertThatThrownBy(() -> allocator.free(blocks[1]))
                .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
    }

    @Test
    void extentsAbove32KiBGoToTheirPageAtOnce() throws Exception {
        long[] blocks = mallocs(2, 48 * 1024);
        allocator.trim();
        freeOnTheOtherThreadWhileRunning(new long[] {blocks[0]});
        assertThat(allocator.malloc(48 * 1024)).as("the freed block, back in its page").isEqualTo(blocks[0]);
        freeAll(blocks);
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

    @Test
    void closingAnAllocatorWhoseExtentsAnotherThreadGatheredLeavesThatThreadWorking() throws Exception {
        freeOnTheOtherThread(mallocs(3, 16 * 1024));     // 48 KiB: gathered, not handed over
        // The chain goes with the allocator's memory: nothing writes into the unmapped pages afterwards
        allocator.close();
        allocator = Allocator.create(AllocatorConfiguration.defaults());
        freeOnTheOtherThread(mallocs(8, 16 * 1024));
        freeing.submit(allocator::trim).get();
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }
}
