package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A free block of 16 KiB or more that stays free gives the OS pages inside it back (internal.Decay): they read as
 * zeros afterwards. A block handed out again is never touched.
 */
class DecayTest {

    private static final int BIG = 128 * 1024;

    private static MemorySegment at(long address) {
        return MemorySegment.ofAddress(address).reinterpret(BIG);
    }

    private static long countNonZero(long address) {
        MemorySegment s = at(address);
        long n = 0;
        for (long i = 4096; i < BIG - 4096; i++) {     // the interior, away from the link and stamp
            n += s.get(JAVA_BYTE, i) != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void aBigBlockThatStaysFreeGivesItsInteriorBack() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(Duration.ZERO))) {
            long[] blocks = new long[4];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(BIG);
                at(blocks[i]).fill((byte) 0x5A);
            }
            allocator.free(blocks[0]);
            allocator.free(blocks[1]);           // the next big free purges what is due: blocks[0]
            // Still mapped (the page is in use), and given back: the kernel's zero pages now.
            assertThat(countNonZero(blocks[0])).isZero();
            assertThat(countNonZero(blocks[2])).isEqualTo(BIG - 8192);
            allocator.free(blocks[2]);
            allocator.free(blocks[3]);
        }
    }

    @Test
    void aBigBlockHandedOutAgainKeepsItsData() {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(Duration.ZERO))) {
            long a = allocator.malloc(BIG);
            long b = allocator.malloc(BIG);
            allocator.free(a);                   // recorded
            long again = allocator.malloc(BIG);  // the same block, live again
            assertThat(again).isEqualTo(a);
            at(again).fill((byte) 0x33);
            allocator.free(b);                   // purges what is due: a's record, but a is live now
            assertThat(countNonZero(again)).isEqualTo(BIG - 8192);
            allocator.free(again);
        }
    }
}
