package dev.lgmalloc.bench.workload;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class BlocksTest {

    @Test
    void aFilledBlockHoldsItsPatternAtEverySize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(4096, 16);
            for (long size = 8; size <= 1000; size++) {
                Blocks.fill(memory.address(), size, size * 31);
                assertTrue(Blocks.holds(memory.address(), size, size * 31), "size " + size);
                assertFalse(Blocks.holds(memory.address(), size, size * 31 + 1), "another token, size " + size);
            }
        }
    }

    @Test
    void aChangedByteInAnyPatternWordIsFound() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(1024, 16);
            long size = 300;
            for (long offset : new long[] {0, 7, 64, 70, 128, 256, 292, 299}) {
                Blocks.fill(memory.address(), size, 42);
                memory.set(JAVA_BYTE, offset, (byte) (memory.get(JAVA_BYTE, offset) ^ 1));
                assertFalse(Blocks.holds(memory.address(), size, 42), "byte " + offset);
            }
        }
    }

    @Test
    void aPrefixCheckKeepsOnlyTheWordsThatFitTheNewSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(1024, 16);
            Blocks.fill(memory.address(), 500, 9);
            memory.set(JAVA_BYTE, 492, (byte) 0);   // in the last word, beyond a shrink to 200 bytes
            assertTrue(Blocks.holdsPrefix(memory.address(), 500, 200, 9));
            assertFalse(Blocks.holdsPrefix(memory.address(), 500, 600, 9));
        }
    }
}
