package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long CHUNK = 64 * 1024;

    /** An allocator of its own whose freed mappings stay kept for the whole test, whatever the machine's pauses. */
    private static Allocator keepingFreedMappings() {
        return Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(java.time.Duration.ofHours(1)));
    }
    private final Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());

    @Test
    void mallocReturnsAlignedWritableBlocksOfAtLeastTheRequestedSize() {
        for (long size : new long[] {1, 8, 15, 16, 17, 48, 100, 255, 256, 257, 1000, 4096, 8193, 65536, 131072}) {
            long p = allocator.malloc(size);
            assertThat(p % 16).as("alignment of %d", size).isZero();
            assertThat(allocator.usableSize(p)).isGreaterThanOrEqualTo(size);
            ALL.asSlice(p, size).fill((byte) 0x5A);
            assertThat(ALL.get(JAVA_BYTE, p + size - 1)).isEqualTo((byte) 0x5A);
            allocator.free(p);
        }
    }

    @Test
    void liveBlocksAreDistinctAndFreedBlocksAreReused() {
        Set<Long> seen = new HashSet<>();
        long[] blocks = new long[5000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.malloc(64);
            assertThat(seen.add(blocks[i])).isTrue();
        }
        for (long b : blocks) {
            allocator.free(b);
        }
        long again = allocator.malloc(64);
        assertThat(seen).contains(again);
        allocator.free(again);
    }

    @Test
    void predictedMallocUsesTheClassAndFallsBackWhenThePredictionIsWrong() {
        int c64 = allocator.sizeClasses().classOf(64);
        long hitsBefore = allocator.statistics().predictedHits();
        long right = allocator.mallocPredicted(60, c64);
        assertThat(allocator.usableSize(right)).isEqualTo(64);
        assertThat(allocator.statistics().predictedHits()).isEqualTo(hitsBefore + 1);
        long wrong = allocator.mallocPredicted(5000, c64);           // does not fit: general path
        assertThat(allocator.usableSize(wrong)).isGreaterThanOrEqualTo(5000);
        long nonsense = allocator.mallocPredicted(10, 10_000);        // no such class: general path
        assertThat(allocator.usableSize(nonsense)).isEqualTo(16);
        allocator.free(right);
        allocator.free(wrong);
        allocator.free(nonsense);
        assertThatThrownBy(() -> allocator.mallocPredicted(-1, c64)).isInstanceOf(IllegalArgumentException.class);
        MemorySegment segment = allocator.allocatePredicted(24, allocator.sizeClasses().classOf(24));
        assertThat(segment.byteSize()).isEqualTo(24);
        assertThat(allocator.usableSize(segment.address())).isEqualTo(32);
        allocator.free(segment);
    }

    @Test
    void mallocZeroReturnsUniqueFreeableAddresses() {
        long a = allocator.malloc(0);
        long b = allocator.malloc(0);
        assertThat(a).isNotZero().isNotEqualTo(b);
        allocator.free(a);
        allocator.free(b);
    }

    @Test
    void freeOfNullIsANoOp() {
        long p = allocator.malloc(64);
        AllocatorStatistics before = allocator.statistics();
        allocator.free(0);
        allocator.free(0, 0);
        AllocatorStatistics after = allocator.statistics();
        assertThat(after.liveBlocks()).isEqualTo(before.liveBlocks()).isOne();
        assertThat(after.liveBytes()).isEqualTo(before.liveBytes());
        allocator.free(p);
    }

    @Test
    void freeIfOwnedFreesOwnBlocksAndLeavesOthersAlone() {
        long small = allocator.malloc(64);
        long large = allocator.malloc(1 << 20);
        assertThat(allocator.freeIfOwned(small)).isTrue();
        assertThat(allocator.freeIfOwned(large)).isTrue();
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThatThrownBy(() -> allocator.freeIfOwned(small)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("double free");
        try (java.lang.foreign.Arena jdk = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment foreign = jdk.allocate(64);
            assertThat(allocator.freeIfOwned(foreign.address())).isFalse();
            foreign.set(JAVA_LONG_UNALIGNED, 0, 42);       // untouched: the JDK still owns it
            assertThat(foreign.get(JAVA_LONG_UNALIGNED, 0)).isEqualTo(42);
        }
        assertThat(allocator.freeIfOwned(0)).isFalse();
    }

    @Test
    void largeBlocksGetTheirOwnMappingAndAreUnmappedOnFree() {
        long before = allocator.statistics().largeBlocks();
        long p = allocator.malloc(10L << 20);
        assertThat(allocator.statistics().largeBlocks()).isEqualTo(before + 1);
        ALL.set(JAVA_LONG_UNALIGNED, p + (10L << 20) - 8, 42L);
        assertThat(allocator.usableSize(p)).isGreaterThanOrEqualTo(10L << 20);
        allocator.free(p);
        assertThat(allocator.statistics().largeBlocks()).isEqualTo(before);
        assertThatThrownBy(() -> allocator.free(p)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining(Long.toHexString(p));
    }

    @Test
    void freedLargeMappingsAreReusedAndReleasedByTrim() {
        Allocator fresh = keepingFreedMappings();
        long p = fresh.malloc(1 << 20);
        fresh.free(p);
        assertThat(fresh.statistics().reservedBytes()).isGreaterThanOrEqualTo(1 << 20);   // kept for reuse
        long q = fresh.malloc(900_000);
        assertThat(q).isEqualTo(p);
        assertThat(fresh.usableSize(q)).isEqualTo(14 * CHUNK);       // whole chunks: the rest stays kept
        long r = fresh.malloc(300L << 20);                           // more than the cache keeps
        fresh.free(q);
        fresh.free(r);
        fresh.trim();
        assertThat(fresh.statistics().reservedBytes()).isZero();
        assertThat(fresh.residency().largeBlockBytes()).isZero();
        assertThatThrownBy(() -> fresh.free(q)).isInstanceOf(InvalidFreeException.class);
        fresh.close();
    }

    @Test
    void aKeptMappingIsSplitAmongSmallerBlocks() {
        Allocator fresh = keepingFreedMappings();
        long big = fresh.malloc(4L << 20);
        fresh.free(big);
        long first = fresh.malloc(300_000);
        long second = fresh.malloc(300_000);
        assertThat(first).isEqualTo(big);
        assertThat(second).as("the kept pages after the first block").isEqualTo(big + 5 * CHUNK);
        assertThat(fresh.usableSize(first)).isEqualTo(5 * CHUNK);
        ALL.asSlice(first, 5 * CHUNK).fill((byte) 1);
        ALL.asSlice(second, 5 * CHUNK).fill((byte) 2);
        assertThat(ALL.get(JAVA_BYTE, first + 5 * CHUNK - 1)).isEqualTo((byte) 1);
        fresh.free(first);
        fresh.free(second);
        assertThatThrownBy(() -> fresh.free(second)).isInstanceOf(InvalidFreeException.class);
        fresh.trim();
        assertThat(fresh.residency().largeBlockBytes()).isZero();
        fresh.close();
    }

    @Test
    void aGrowingBlockTakesTheKeptPagesAfterItWithoutAFreshMapping() {
        Allocator fresh = keepingFreedMappings();
        long big = fresh.malloc(4L << 20);
        ALL.set(JAVA_LONG_UNALIGNED, big + (3L << 20), 0x5EEDL);      // written while the 4 MiB block lived
        fresh.free(big);
        long p = fresh.malloc(1L << 20);
        assertThat(p).isEqualTo(big);
        ALL.set(JAVA_LONG_UNALIGNED, p, 0x1122334455667788L);
        long q = fresh.realloc(p, 2L << 20);
        long r = fresh.realloc(q, 4L << 20);
        assertThat(q).isEqualTo(p);
        assertThat(r).isEqualTo(p);
        assertThat(fresh.usableSize(r)).isEqualTo(4L << 20);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, r)).isEqualTo(0x1122334455667788L);
        // Fresh pages would read zero: these are the kept ones, still resident, so growing faulted nothing in.
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, r + (3L << 20))).isEqualTo(0x5EEDL);
        fresh.free(r);
        assertThatThrownBy(() -> fresh.free(p)).isInstanceOf(InvalidFreeException.class);
        fresh.trim();
        assertThat(fresh.residency().largeBlockBytes()).isZero();
        fresh.close();
    }

    @Test
    void aGrowingBlockMovesOntoAKeptMapping() {
        Allocator fresh = keepingFreedMappings();
        // A mapping that ends off a chunk boundary: no kept pages can follow it, so it must move to grow.
        long size = (1L << 20) + 4096;
        long p = fresh.malloc(size);
        ALL.set(JAVA_LONG_UNALIGNED, p, 0x1122334455667788L);
        ALL.set(JAVA_LONG_UNALIGNED, p + size - 8, 0x0102030405060708L);
        long kept = fresh.malloc(8L << 20);
        ALL.set(JAVA_LONG_UNALIGNED, kept + (6L << 20), 0x5EEDL);
        fresh.free(kept);
        long q = fresh.realloc(p, 4L << 20);
        assertThat(q).as("moved onto the kept mapping's start").isEqualTo(kept);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q)).isEqualTo(0x1122334455667788L);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q + size - 8)).isEqualTo(0x0102030405060708L);
        assertThat(fresh.usableSize(q)).isEqualTo(4L << 20);
        assertThatThrownBy(() -> fresh.free(p)).isInstanceOf(InvalidFreeException.class);
        long rest = fresh.malloc(4L << 20);
        assertThat(rest).as("the kept mapping's other half").isEqualTo(kept + (4L << 20));
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, rest + (2L << 20))).isEqualTo(0x5EEDL);
        fresh.free(q);
        fresh.free(rest);
        fresh.trim();
        assertThat(fresh.residency().largeBlockBytes()).isZero();
        fresh.close();
    }

    @Test
    void callocZeroesReusedMemory() {
        long dirty = allocator.malloc(256);
        ALL.asSlice(dirty, 256).fill((byte) 0xFF);
        allocator.free(dirty);
        long p = allocator.calloc(32, 8);
        for (int i = 0; i < 256; i++) {
            assertThat(ALL.get(JAVA_BYTE, p + i)).isZero();
        }
        allocator.free(p);
    }

    @Test
    void callocOfALargeBlockIsZeroWithoutWritingIt() throws Exception {
        // A purge delay long enough that the freed mapping is still cached whatever the machine's pauses.
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults()
                .withPurgeDelay(java.time.Duration.ofMinutes(10)));
        long size = 4L << 20;
        long dirty = allocator.malloc(size);
        ALL.asSlice(dirty, size).fill((byte) 0x7F);
        allocator.free(dirty);                            // its mapping is cached for reuse, dirty
        long p = allocator.calloc(1, size);
        assertThat(p).as("the cached mapping, given back zeroed").isEqualTo(dirty);
        for (long i = 0; i < size; i += 4093) {
            assertThat(ALL.get(JAVA_BYTE, p + i)).isZero();
        }
        allocator.free(p);
        // Fresh pages are zero already: writing zeros into 256 MiB would make them all resident.
        long before = Rss.bytes();
        long big = allocator.calloc(1, 256L << 20);
        long grown = Rss.bytes() - before;
        assertThat(ALL.get(JAVA_BYTE, big + (100L << 20))).isZero();
        allocator.free(big);
        assertThat(grown).as("bytes made resident by calloc(1, 256 MiB)").isLessThan(32L << 20);
    }

    @Test
    void callocOfKeptPagesWritesTheResidentOnesAndDropsTheRest() throws Exception {
        Allocator fresh = keepingFreedMappings();
        // A fresh 1 MiB mapping of which 16 KiB were used, then kept: writing it whole would fault in and keep 252
        // pages more.
        long used = fresh.malloc(1L << 20);
        ALL.asSlice(used, 16 * 1024).fill((byte) 0x7F);
        fresh.free(used);
        long residentBefore = fresh.residency().largeBlockBytes();
        long again = fresh.calloc(1, 1L << 20);
        assertThat(again).isEqualTo(used);
        assertThat(ALL.get(JAVA_BYTE, again + 100)).isZero();
        assertThat(fresh.residency().largeBlockBytes() - residentBefore).as("made resident by calloc of a sparse run")
                .isLessThanOrEqualTo(64 * 1024);
        fresh.free(again);
        // Every byte of a dirty, resident run comes back zero.
        long small = fresh.malloc(512 * 1024);
        ALL.asSlice(small, 512 * 1024).fill((byte) 0x7F);
        fresh.free(small);
        long zeroed = fresh.calloc(1, 512 * 1024);
        assertThat(zeroed).isEqualTo(small);
        for (long i = 0; i < 512 * 1024; i += 4093) {
            assertThat(ALL.get(JAVA_BYTE, zeroed + i)).isZero();
        }
        fresh.free(zeroed);
        // A dense run is written over, so its pages stay resident (dropping them would cost a page fault each at the
        // next touch).
        long dense = fresh.malloc(4L << 20);
        ALL.asSlice(dense, 4L << 20).fill((byte) 0x7F);
        fresh.free(dense);
        long rewritten = fresh.calloc(1, 4L << 20);
        assertThat(rewritten).isEqualTo(dense);
        assertThat(fresh.residency().largeBlockBytes()).as("resident after calloc").isGreaterThanOrEqualTo(4L << 20);
        for (long i = 0; i < 4L << 20; i += 4093) {
            assertThat(ALL.get(JAVA_BYTE, rewritten + i)).isZero();
        }
        fresh.free(rewritten);
        // A kept run of 64 MiB of which two pages were touched: those are written, the rest is not made resident.
        long size = 64L << 20;
        long sparse = fresh.malloc(size);
        ALL.set(JAVA_LONG_UNALIGNED, sparse, -1L);
        ALL.set(JAVA_LONG_UNALIGNED, sparse + size - 8, -1L);
        fresh.free(sparse);
        long before = Rss.bytes();
        long p = fresh.calloc(1, size);
        long grown = Rss.bytes() - before;
        assertThat(p).isEqualTo(sparse);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, p)).isZero();
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, p + size - 8)).isZero();
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, p + size / 2)).isZero();
        assertThat(grown).as("bytes made resident by calloc over a sparse kept run").isLessThan(16L << 20);
        fresh.free(p);
        fresh.close();
    }

    @Test
    void callocRejectsOverflowAndNegatives() {
        assertThatThrownBy(() -> allocator.calloc(Long.MAX_VALUE / 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflow");
        assertThatThrownBy(() -> allocator.calloc(-1, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void reallocKeepsContentsWhenGrowingAndShrinking() {
        long p = allocator.malloc(24);
        ALL.set(JAVA_LONG_UNALIGNED, p, 0x1122334455667788L);
        ALL.set(JAVA_LONG_UNALIGNED, p + 16, 99L);
        long q = allocator.realloc(p, 5000);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q)).isEqualTo(0x1122334455667788L);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q + 16)).isEqualTo(99L);
        long r = allocator.realloc(q, 1 << 20);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, r + 16)).isEqualTo(99L);
        long s = allocator.realloc(r, 16);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, s)).isEqualTo(0x1122334455667788L);
        allocator.free(s);
    }

    @Test
    void reallocOfLargeBlocksRemapsInsteadOfCopying() {
        // Only the first and last pages of 1 GiB are touched: a copying realloc to 2 GiB would write a whole
        // GiB into the new block (and wait for it); a remap moves the two touched pages and nothing else.
        long gib = 1L << 30;
        long p = allocator.malloc(gib);
        ALL.set(JAVA_LONG_UNALIGNED, p, 0x1122334455667788L);
        ALL.set(JAVA_LONG_UNALIGNED, p + gib - 8, 0x0102030405060708L);
        long rssBefore = Rss.bytes();
        long q = allocator.realloc(p, 2 * gib);
        assertThat(Rss.bytes() - rssBefore).as("RSS growth during realloc").isLessThan(64L << 20);
        assertThat(allocator.usableSize(q)).isGreaterThanOrEqualTo(2 * gib);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q)).isEqualTo(0x1122334455667788L);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q + gib - 8)).isEqualTo(0x0102030405060708L);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q + 2 * gib - 8)).as("grown pages read as zero").isZero();
        ALL.set(JAVA_LONG_UNALIGNED, q + 2 * gib - 8, 42);
        assertThat(q & 0xFFFF).as("64 KiB aligned, so the page map finds it").isZero();
        if (q != p) {
            long moved = p;
            assertThatThrownBy(() -> allocator.free(moved)).isInstanceOf(InvalidFreeException.class);
        }
        // Shrinking below half remaps too, and the block stays freeable exactly once.
        long r = allocator.realloc(q, 1L << 20);
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, r)).isEqualTo(0x1122334455667788L);
        assertThat(allocator.usableSize(r)).isEqualTo(1L << 20);
        assertThat(allocator.statistics().reservedBytes()).isLessThan(gib);
        allocator.free(r);
        assertThatThrownBy(() -> allocator.free(r)).isInstanceOf(InvalidFreeException.class);
    }

    @Test
    void manyLargeReallocsKeepTheirContents() {
        // Growing several blocks in turn: each may grow in place or have to move past its neighbours.
        long[] blocks = new long[4];
        long[] sizes = new long[4];
        for (int i = 0; i < blocks.length; i++) {
            sizes[i] = 200_000;
            blocks[i] = allocator.malloc(sizes[i]);
            ALL.asSlice(blocks[i], sizes[i]).fill((byte) (i + 1));
        }
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < blocks.length; i++) {
                long grown = sizes[i] * 2 + 12_345;
                blocks[i] = allocator.realloc(blocks[i], grown);
                ALL.asSlice(blocks[i] + sizes[i], grown - sizes[i]).fill((byte) (i + 1));
                sizes[i] = grown;
            }
        }
        for (int i = 0; i < blocks.length; i++) {
            MemorySegment block = ALL.asSlice(blocks[i], sizes[i]);
            byte expected = (byte) (i + 1);
            assertThat(block.elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == expected)).isTrue();
            allocator.free(blocks[i]);
        }
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }

    @Test
    void anExtentGrowsInPlaceIntoTheFreeUnitsAfterIt() {
        Allocator fresh = Allocator.create(AllocatorConfiguration.defaults());
        long p = fresh.malloc(10_000);
        ALL.asSlice(p, 10_000).fill((byte) 7);
        long q = fresh.realloc(p, 40_000);
        assertThat(q).as("grown where it was").isEqualTo(p);
        assertThat(fresh.usableSize(q)).isGreaterThanOrEqualTo(40_000);
        assertThat(ALL.asSlice(q, 10_000).elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == 7)).isTrue();
        ALL.asSlice(q, 40_000).fill((byte) 9);
        // First fit puts the next extent right after it: the next growth has no room there, and moves.
        long neighbour = fresh.malloc(10_000);
        assertThat(neighbour).isEqualTo(q + fresh.usableSize(q));
        ALL.asSlice(neighbour, 10_000).fill((byte) 5);
        long r = fresh.realloc(q, 100_000);
        assertThat(r).isNotEqualTo(q);
        assertThat(ALL.asSlice(r, 40_000).elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == 9)).isTrue();
        assertThat(ALL.asSlice(neighbour, 10_000).elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == 5))
                .as("the neighbour is untouched").isTrue();
        assertThatThrownBy(() -> fresh.free(q)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("double free");
        fresh.free(r);
        assertThatThrownBy(() -> fresh.realloc(r, 120_000)).as("growing a freed extent")
                .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
        fresh.free(neighbour);
        assertThat(fresh.statistics().liveBlocks()).isZero();
        fresh.close();
    }

    @Test
    void reallocEdgeCases() {
        long p = allocator.realloc(0, 100);
        assertThat(allocator.usableSize(p)).isGreaterThanOrEqualTo(100);
        assertThat(allocator.realloc(p, 0)).isZero();
        assertThatThrownBy(() -> allocator.free(p)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("double free");
        assertThatThrownBy(() -> allocator.realloc(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void alignedAllocHonoursEveryPowerOfTwo() {
        for (long alignment = 1; alignment <= (1 << 22); alignment <<= 1) {
            for (long size : new long[] {1, 100, 5000}) {
                long p = allocator.alignedAlloc(alignment, size);
                assertThat(p % alignment).as("alignment %d size %d", alignment, size).isZero();
                assertThat(allocator.usableSize(p)).isGreaterThanOrEqualTo(size);
                allocator.free(p);
            }
        }
    }

    @Test
    void alignedAllocRejectsImpossibleAlignments() {
        for (long bad : new long[] {0, -16, 3, 48, 1L << 41}) {
            assertThatThrownBy(() -> allocator.alignedAlloc(bad, 64)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("alignment");
        }
    }

    @Test
    void negativeSizesAreRejected() {
        assertThatThrownBy(() -> allocator.malloc(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        // The fast path tests the size unsigned: the most negative size is the largest unsigned one.
        assertThatThrownBy(() -> allocator.malloc(Long.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> allocator.alignedAlloc(64, -5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void peakUsedBytesIsTheHighWaterMarkOfUsedBytes() {
        try (Allocator own = Allocator.create(AllocatorConfiguration.defaults())) {
            long mib = 1L << 20;      // large blocks: a mapping each, held whole while live, none before them
            long[] blocks = {own.malloc(mib), own.malloc(mib), own.malloc(mib)};
            long held = own.usedBytes();
            assertThat(held).isGreaterThanOrEqualTo(3 * mib);
            assertThat(own.peakUsedBytes()).isEqualTo(held);
            for (long block : blocks) {
                own.free(block);
            }
            assertThat(own.usedBytes()).isZero();
            assertThat(own.peakUsedBytes()).as("the peak outlives the blocks").isEqualTo(held);
            own.free(own.malloc(mib));
            assertThat(own.peakUsedBytes()).as("a lower height leaves it").isEqualTo(held);
        }
    }

    @Test
    void exhaustionThrowsOutOfMemoryErrorOrReturnsZero() {
        assertThatThrownBy(() -> allocator.malloc(1L << 50)).isInstanceOf(OutOfMemoryError.class)
                .hasMessageContaining("lgmalloc");
        assertThat(allocator.tryMalloc(1L << 50)).isZero();
    }

    @Test
    void doubleFreeIsDetected() {
        long p = allocator.malloc(48);
        allocator.free(p);
        assertThatThrownBy(() -> allocator.free(p)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("double free").hasMessageContaining(Long.toHexString(p));
    }

    @Test
    void doubleFreeFromAnotherThreadIsDetected() throws Exception {
        long p = allocator.malloc(48);
        allocator.free(p);
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                allocator.free(p);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.start();
        t.join();
        assertThat(thrown[0]).isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
    }

    @Test
    void interiorPointerIsRejected() {
        long p = allocator.malloc(64);
        assertThatThrownBy(() -> allocator.free(p + 16)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("interior");
        assertThatThrownBy(() -> allocator.free(p + 3)).isInstanceOf(InvalidFreeException.class);
        allocator.free(p);
    }

    @Test
    void foreignPointersAreRejected() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            long foreign = arena.allocate(64).address();
            assertThatThrownBy(() -> allocator.free(foreign)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("not allocated by lgmalloc");
        }
        for (long bad : new long[] {8, -16, 0x7fff_ffff_fff0L, 1L << 60}) {
            assertThatThrownBy(() -> allocator.free(bad)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining(Long.toHexString(bad));
        }
    }

    @Test
    void pointerIntoUnallocatedPartOfAPageIsRejected() {
        long p = allocator.malloc(2048);
        long neverHandedOut = p + 2048 * 20;
        assertThatThrownBy(() -> allocator.free(neverHandedOut)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("never handed out");
        allocator.free(p);
    }

    @Test
    void usableSizeValidatesItsArgument() {
        long p = allocator.malloc(100);
        assertThat(allocator.usableSize(p)).isEqualTo(112);
        assertThatThrownBy(() -> allocator.usableSize(p + 8)).isInstanceOf(InvalidFreeException.class);
        allocator.free(p);
    }

    @Test
    void sizedFreeChecksTheSize() {
        long p = allocator.malloc(100);
        assertThatThrownBy(() -> allocator.free(p, 200)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("sized free");
        allocator.free(p, 100);
    }

    @Test
    void segmentsHaveExactlyTheRequestedSizeAndAlignment() {
        MemorySegment s = allocator.allocate(100, 64);
        assertThat(s.byteSize()).isEqualTo(100);
        assertThat(s.address() % 64).isZero();
        s.fill((byte) 1);
        allocator.free(s);
        MemorySegment t = LgMalloc.allocate(24);
        assertThat(t.byteSize()).isEqualTo(24);
        LgMalloc.free(t);
        assertThatThrownBy(() -> allocator.free(MemorySegment.ofArray(new byte[4])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
    }

    @Test
    void asASegmentAllocatorItAllocatesLayouts() {
        java.lang.foreign.SegmentAllocator sa = LgMalloc.segmentAllocator();
        MemorySegment s = sa.allocateFrom(java.lang.foreign.ValueLayout.JAVA_LONG, 7L);
        assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0)).isEqualTo(7L);
        LgMalloc.free(s);
    }

    @Test
    void statisticsFollowLiveBlocks() {
        Allocator fresh = Allocator.create(AllocatorConfiguration.defaults());
        long[] blocks = new long[1000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = fresh.malloc(100);
        }
        AllocatorStatistics s = fresh.statistics();
        assertThat(s.liveBlocks()).isEqualTo(1000);
        assertThat(s.liveBytes()).isEqualTo(1000 * 112);
        assertThat(s.committedBytes()).isGreaterThanOrEqualTo(s.liveBytes());
        assertThat(s.reservedBytes()).isGreaterThanOrEqualTo(s.committedBytes());
        assertThat(s.classes()).anySatisfy(c -> {
            assertThat(c.blockSize()).isEqualTo(112);
            assertThat(c.liveBlocks()).isEqualTo(1000);
        });
        assertThat(s.heapDetails()).anySatisfy(h -> {
            assertThat(h.owner()).contains(Thread.currentThread().getName());
            assertThat(h.liveBlocks()).isEqualTo(1000);
        });
        for (long b : blocks) {
            fresh.free(b);
        }
        assertThat(fresh.statistics().liveBlocks()).isZero();
        assertThat(fresh.statistics().liveBytes()).isZero();
    }
}
