package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Free chunks wait for the purge delay before they are purged, but never more of them than an eighth of the
 * chunks in use (at least 1 MiB): beyond that the maintenance thread purges the oldest at its next pass.
 */
class DirtyChunkCapTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Test
    void freeChunksBeyondAnEighthOfThoseInUseArePurgedBeforeTheDelay() throws InterruptedException {
        try (Allocator allocator = Allocator.create(
                AllocatorConfiguration.defaults().withPurgeDelay(Duration.ofHours(1)))) {
            long[] blocks = new long[20 * 1024];              // 20 MiB of 1 KiB blocks, written
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(1024);
                ALL.set(JAVA_BYTE, blocks[i], (byte) 1);
            }
            int kept = 2 * 1024;                              // 2 MiB stay live; the pages of the rest empty
            for (int i = kept; i < blocks.length; i++) {
                allocator.free(blocks[i]);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long free = allocator.residency().freeChunkBytes();
            while (free > (1 << 20) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);    // the maintenance thread's pass, every 50 ms
                free = allocator.residency().freeChunkBytes();
            }
            assertThat(free).as("resident free chunks, an hour before their purge delay ends")
                    .isLessThanOrEqualTo(1 << 20);
            assertThat(allocator.residency().classPageBytes()).isGreaterThanOrEqualTo(2L << 20);
            for (int i = 0; i < kept; i++) {
                assertThat(ALL.get(JAVA_BYTE, blocks[i])).isEqualTo((byte) 1);
                allocator.free(blocks[i]);
            }
        }
    }
}
