package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryReturnTest {

    @Test
    void residentMemoryFallsAfterAFreeAllOnceThePurgeDelayPasses() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(Duration.ofMillis(50)));
        int count = 400_000;               // 400k blocks of 512 B: about 200 MiB
        long[] blocks = new long[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = allocator.malloc(512);
            MemorySegment.ofAddress(blocks[i]).reinterpret(512).fill((byte) 1);   // make it resident
        }
        long full = Rss.bytes();
        for (long b : blocks) {
            allocator.free(b);
        }
        // No trim(): the maintenance thread must purge and unmap on its own after the delay.
        // Waits for the purge itself, up to a minute (a loaded CI machine runs the pass late), not for a fixed time.
        long after = full;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (after > full - (150L << 20) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            after = Rss.bytes();
        }
        assertThat(full).isPositive();
        assertThat(after).as("RSS before free-all %d MiB, after %d MiB", full >> 20, after >> 20)
                .isLessThan(full - (150L << 20));
        assertThat(allocator.statistics().liveBlocks()).isZero();
    }
}
