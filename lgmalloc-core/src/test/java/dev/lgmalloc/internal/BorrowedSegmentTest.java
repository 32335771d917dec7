package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void aBorrowedSegmentOwnsExactlyItsRunOfTheWindow() {
        for (int chunks : new int[] {1, 4, 8}) {
            Segment segment = Segment.borrow(chunks);
            try {
                assertThat(segment.isBorrowed()).isTrue();
                assertThat(segment.base % Segment.SIZE).isZero();
                assertThat(Long.bitCount(~segment.foreignMask)).isEqualTo(chunks);
                assertThat(segment.ownedBytes()).isEqualTo((long) chunks << PageMap.CHUNK_SHIFT);
                assertThat(segment.isEmpty()).isTrue();
                // the one run it holds is the page's: aligned to its length, as findRun places pages
                int first = segment.findRun(chunks);
                assertThat(first % chunks).isZero();
                assertThat(Segment.runMask(first, chunks)).isEqualTo(~segment.foreignMask);
                // the memory reads as zero, as a fresh mapping does, and takes writes
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
    }

    @Test
    void borrowedSegmentsInOneWindowNeverShareAChunk() {
        List<Segment> segments = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                segments.add(Segment.borrow(1));
            }
            for (Segment a : segments) {
                for (Segment b : segments) {
                    if (a != b && a.base == b.base) {
                        assertThat(~a.foreignMask & ~b.foreignMask).isZero();
                    }
                }
            }
        } finally {
            segments.forEach(Segment::giveBack);
        }
    }

    @Test
    void onlyARunOfAPowerOfTwoChunksIsBorrowed() {
        assertThatThrownBy(() -> Segment.borrow(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 chunks");
    }

    @Test
    void unmappingABorrowedSegmentLeavesTheRestOfItsWindowAlone() {
        Segment segment = Segment.borrow(1);
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
            // more than the borrowed megabyte, with extents (pages of 4 chunks) among the small blocks
            List<Long> blocks = new ArrayList<>();
            boolean extentLinked = false;
            for (int i = 0; i < 20_000; i++) {
                long size = i % 100 == 0 ? 12_000 : 200;
                long p = LgMalloc.malloc(size);
                if (i == 0) {
                    extentLinked = Os.isLinked();     // the maintenance thread links mmap a tick or more after start
                }
                Memory.putLong(p, i);
                Memory.putLong(p + size - 8, ~i);
                blocks.add(p);
            }
            // borrowed one page's run at a time, up to 1 MiB, then mapped
            Segment firstSegment = PageMap.lookup(first).segment;
            Segment extentSegment = PageMap.lookup(blocks.get(0)).segment;
            System.out.println("extent-page-borrowed-apart=" + (extentLinked
                    || extentSegment.isBorrowed() && extentSegment != firstSegment));
            java.util.Set<Segment> borrowed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (long p : blocks) {
                Segment s = PageMap.lookup(p).segment;
                if (s.isBorrowed()) {
                    borrowed.add(s);
                }
            }
            long borrowedBytes = borrowed.stream().mapToLong(Segment::ownedBytes).sum();
            System.out.println("borrowed-within-1MiB=" + (borrowedBytes <= 1 << 20));
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
                "reserved-after-trim=0", "later-page-borrowed=false", "extent-page-borrowed-apart=true",
                "borrowed-within-1MiB=true");
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
