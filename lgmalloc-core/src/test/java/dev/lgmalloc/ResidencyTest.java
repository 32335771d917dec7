package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** {@link Allocator#residency()} reports what the kernel holds in RAM, by kind, not what is mapped. */
class ResidencyTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static void touch(long address, long size) {
        for (long at = 0; at < size; at += 4096) {
            ALL.set(JAVA_BYTE, address + at, (byte) 1);
        }
        ALL.set(JAVA_BYTE, address + size - 1, (byte) 1);
    }

    @Test
    void touchedMemoryIsCountedWhereItLies() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long[] small = new long[1000];
            for (int i = 0; i < small.length; i++) {
                small[i] = allocator.malloc(64);
                touch(small[i], 64);
            }
            long[] extents = new long[32];
            for (int i = 0; i < extents.length; i++) {
                extents[i] = allocator.malloc(16 * 1024);
                touch(extents[i], 16 * 1024);
            }
            long large = allocator.malloc(1 << 20);
            touch(large, 1 << 20);

            AllocatorResidency resident = allocator.residency();
            assertThat(resident.classPageBytes()).as("1,000 written blocks of 64 B").isGreaterThanOrEqualTo(60_000);
            assertThat(resident.extentPageBytes()).as("32 written blocks of 16 KiB").isGreaterThanOrEqualTo(512 * 1024);
            assertThat(resident.largeBlockBytes()).as("a written 1 MiB block").isGreaterThanOrEqualTo(1 << 20);
            assertThat(resident.totalBytes()).isLessThanOrEqualTo(allocator.statistics().committedBytes());

            for (long p : small) {
                allocator.free(p);
            }
            for (long p : extents) {
                allocator.free(p);
            }
            allocator.free(large);
            allocator.trim();
            AllocatorResidency after = allocator.residency();
            assertThat(after.extentPageBytes()).as("extent pages released and purged").isZero();
            assertThat(after.largeBlockBytes()).as("the freed mapping unmapped").isZero();
            assertThat(after.freeChunkBytes()).as("free chunks purged").isZero();
        }
    }

    @Test
    void theProcessWideAllocatorAnswersToo() {
        long block = LgMalloc.malloc(100_000);
        touch(block, 100_000);
        assertThat(LgMalloc.residency().extentPageBytes()).isGreaterThanOrEqualTo(96 * 1024);
        LgMalloc.free(block);
    }

    @Test
    void mappedButUntouchedMemoryIsNotResident() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults())) {
            long large = allocator.malloc(64L << 20);
            touch(large, 4096);
            AllocatorResidency resident = allocator.residency();
            assertThat(resident.largeBlockBytes()).as("one page written of 64 MiB mapped").isLessThan(1 << 20);
            assertThat(allocator.statistics().committedBytes()).isGreaterThanOrEqualTo(64L << 20);
            allocator.free(large);
        }
    }
}
