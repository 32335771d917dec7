package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Decay sweeps whole free lists: the blocks that have been free the longest, deep in a list, are the ones given
 * back; and a block another thread freed (whose second word is the program's data, not a stamp) is stamped first
 * and given back a delay later. With a purge delay of zero or one nanosecond, "a delay later" is the next tick of
 * the clock (the maintenance thread's, which decay reads instead of calling nanoTime).
 */
class DecaySweepTest {

    private static final int BIG = 20_000;

    private static long countNonZeroInterior(long block) {
        MemorySegment s = Memory.segment(block, BIG);
        long n = 0;
        for (long i = 4096; i < BIG - 4096; i++) {       // whole OS pages inside, away from the link and stamp
            n += s.get(JAVA_BYTE, i) != 0 ? 1 : 0;
        }
        return n;
    }

    /** Waits for the maintenance thread's clock to move on: the condition the next sweep needs. */
    private static void awaitNextTick() throws InterruptedException {
        long before = Maintenance.clock();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Maintenance.clock() == before) {
            assertThat(System.nanoTime()).as("the maintenance clock ticks").isLessThan(deadline);
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static Allocator withoutDelay() {
        return withPurgeDelay(Duration.ZERO);
    }

    private static Allocator withPurgeDelay(Duration delay) {
        return Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(delay));
    }

    @Test
    void blocksFreedLongAgoAreGivenBackNotOnlyTheLastOnes() throws Exception {
        // A delay of one nanosecond: due at the next tick, and not before (44 frees within one tick).
        try (Allocator allocator = withPurgeDelay(Duration.ofNanos(1))) {
            // 48 blocks of 20,000 B fill four pages of 12; one block per page stays live, so no page is released
            // (a released page's memory goes back through the segment instead) and 44 free blocks wait in the lists.
            long[] blocks = new long[48];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(BIG);
                Memory.segment(blocks[i], BIG).fill((byte) 0x5A);
            }
            long perPage = PageMap.lookup(blocks[0]).capacity();
            assertThat(perPage).isEqualTo(12);
            for (int i = 0; i < blocks.length; i++) {
                if (i % perPage != perPage - 1) {
                    allocator.free(blocks[i]);
                }
            }
            awaitNextTick();
            long trigger = allocator.malloc(BIG);    // the last block freed comes back first
            allocator.free(trigger);                 // a big free: the sweep is due
            for (int i = 0; i < blocks.length; i++) {
                if (i % perPage != perPage - 1 && blocks[i] != trigger) {
                    assertThat(countNonZeroInterior(blocks[i])).as("free block %d", i).isZero();
                } else if (blocks[i] != trigger) {
                    assertThat(countNonZeroInterior(blocks[i])).as("live block %d", i).isEqualTo(BIG - 8192);
                }
            }
            for (int i = 0; i < blocks.length; i++) {
                if (i % perPage == perPage - 1) {
                    allocator.free(blocks[i]);
                }
            }
        }
    }

    @Test
    void aBlockAnotherThreadFreedIsStampedThenGivenBackADelayLater() throws Exception {
        try (Allocator allocator = withoutDelay()) {
            long[] blocks = new long[8];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(BIG);
                Memory.segment(blocks[i], BIG).fill((byte) 0x5A);   // the second word is no time of ours
            }
            Thread other = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 4; i++) {
                    allocator.free(blocks[i]);
                }
            });
            other.join();
            long more = allocator.malloc(BIG);       // collects the remote frees into the free list, takes one
            allocator.free(blocks[4]);               // the first sweep: the remote ones are stamped, not purged
            int stillThere = 0;
            for (int i = 0; i < 4; i++) {
                if (blocks[i] != more) {
                    assertThat(countNonZeroInterior(blocks[i])).as("block %d", i).isEqualTo(BIG - 8192);
                    stillThere++;
                }
            }
            assertThat(stillThere).isEqualTo(3);
            awaitNextTick();
            allocator.free(blocks[5]);               // a sweep a delay later: given back
            for (int i = 0; i < 4; i++) {
                if (blocks[i] != more) {
                    assertThat(countNonZeroInterior(blocks[i])).as("block %d", i).isZero();
                }
            }
            assertThat(countNonZeroInterior(blocks[6])).as("a live block").isEqualTo(BIG - 8192);
            allocator.free(more);
            allocator.free(blocks[6]);
            allocator.free(blocks[7]);
        }
    }
}
