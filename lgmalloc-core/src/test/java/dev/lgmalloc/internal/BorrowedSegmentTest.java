package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.FreshJvm;
import dev.lgmalloc.LgMalloc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fresh JVM's first pages come from memory borrowed from the JDK's allocator, so the first malloc does not wait
 * for the {@code mmap} downcall to be linked.
 */
class BorrowedSegmentTest {

    @Test
    void aBorrowedSegmentOwnsOnlyItsChunksOfTheWindow() {
        Segment segment = Segment.borrow(16);
        try {
            assertThat(segment.isBorrowed()).isTrue();
            assertThat(segment.base % Segment.SIZE).isZero();
            int owned = Long.bitCount(~segment.foreignMask);
            assertThat(owned).isBetween(1, 16);
            assertThat(segment.ownedBytes()).isEqualTo((long) owned << PageMap.CHUNK_SHIFT);
            assertThat(segment.isEmpty()).isTrue();
            // foreign chunks are never handed out: every run found lies inside the owned chunks
            for (int chunks : new int[] {1, 8}) {
                int first = segment.findRun(chunks);
                if (first >= 0) {
                    assertThat(Segment.runMask(first, chunks) & segment.foreignMask).isZero();
                }
            }
            if (owned == 16) {
                assertThat(segment.findRun(8)).as("16 chunks always hold an aligned run of 8").isNotNegative();
            }
            // the memory reads as zero, as a fresh mapping does, and takes writes
            int first = Long.numberOfTrailingZeros(~segment.foreignMask);
            long start = segment.base + ((long) first << PageMap.CHUNK_SHIFT);
            long end = start + segment.ownedBytes();
            for (long a = start; a < end; a += 4096) {
                assertThat(Memory.getLong(a)).isZero();
                Memory.putLong(a, a);
            }
            assertThat(Memory.getLong(end - 4096)).isEqualTo(end - 4096);
        } finally {
            segment.giveBack();
        }
    }

    @Test
    void unmappingABorrowedSegmentLeavesTheRestOfItsWindowAlone() {
        Segment segment = Segment.borrow(16);
        try {
            int foreign = Long.numberOfTrailingZeros(segment.foreignMask);   // a chunk of the window not ours
            long foreignAddress = segment.base + ((long) foreign << PageMap.CHUNK_SHIFT);
            Page stranger = PageMap.lookup(foreignAddress);
            segment.unmapPages();
            assertThat(PageMap.lookup(foreignAddress)).isSameAs(stranger);
        } finally {
            segment.giveBack();
        }
    }

    /**
     * Allocates before anything links {@code mmap}, then checks where the pages came from and where they went. The
     * work runs in a thread that ends, so its heap's pages are all released and trim can give every segment back.
     */
    public static final class FirstAllocations {
        public static void main(String[] args) throws InterruptedException {
            Thread worker = new Thread(FirstAllocations::allocate);
            worker.start();
            worker.join();
            LgMalloc.allocator().trim();
            System.out.println("reserved-after-trim=" + LgMalloc.allocator().statistics().reservedBytes());
            Os.link();
            long later = LgMalloc.malloc(64);
            System.out.println("later-page-borrowed=" + PageMap.lookup(later).segment.isBorrowed());
            LgMalloc.free(later);
        }

        private static void allocate() {
            long first = LgMalloc.malloc(64);
            System.out.println("linked-at-first-malloc=" + Os.isLinked());
            System.out.println("first-page-borrowed=" + PageMap.lookup(first).segment.isBorrowed());
            // more than one borrowed segment's worth (16 chunks each), with sizes whose pages span 2 chunks too
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                long size = i % 100 == 0 ? 12_000 : 200;
                long p = LgMalloc.malloc(size);
                Memory.putLong(p, i);
                Memory.putLong(p + size - 8, ~i);
                blocks.add(p);
            }
            boolean intact = true;
            for (int i = 0; i < blocks.size(); i++) {
                long size = i % 100 == 0 ? 12_000 : 200;
                intact &= Memory.getLong(blocks.get(i)) == i && Memory.getLong(blocks.get(i) + size - 8) == ~i;
                LgMalloc.free(blocks.get(i));
            }
            LgMalloc.free(first);
            System.out.println("intact=" + intact);
        }
    }

    @Test
    void theFirstPagesOfAFreshJvmAreBorrowedAndGivenBack() throws Exception {
        String output = FreshJvm.run(FirstAllocations.class);
        assertThat(output).contains("linked-at-first-malloc=false", "first-page-borrowed=true", "intact=true",
                "reserved-after-trim=0", "later-page-borrowed=false");
    }

    /** The first allocation of a fresh JVM in an allocator of its own, which is closed with the segment borrowed. */
    public static final class ClosedWhileBorrowed {
        public static void main(String[] args) {
            Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
            long block = allocator.malloc(64);
            System.out.println("borrowed=" + PageMap.lookup(block).segment.isBorrowed());
            Memory.putLong(block, 42);
            allocator.close();
            System.out.println("page-map-cleared=" + (PageMap.lookup(block) == null));
            try {
                allocator.free(block);
                System.out.println("free-after-close=accepted");
            } catch (RuntimeException e) {
                System.out.println("free-after-close=" + e.getClass().getSimpleName());
            }
            // the JVM's own allocator took the memory back: what it hands out next may reuse it
            LgMalloc.free(LgMalloc.malloc(64));
            System.out.println("done");
        }
    }

    @Test
    void closingAnAllocatorGivesItsBorrowedSegmentBack() throws Exception {
        String output = FreshJvm.run(ClosedWhileBorrowed.class);
        assertThat(output).contains("borrowed=true", "page-map-cleared=true", "done");
        assertThat(output).containsPattern("free-after-close=(IllegalStateException|InvalidFreeException)");
    }
}
