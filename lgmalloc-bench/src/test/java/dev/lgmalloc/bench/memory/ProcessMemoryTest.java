package dev.lgmalloc.bench.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    @Test
    void touchedMemoryRaisesRssAndThePeakCanBeReset() {
        assertTrue(ProcessMemory.resetPeak(), "this Linux lets a process reset its peak RSS");
        long before = ProcessMemory.residentBytes();
        assertTrue(before > 0);
        long size = 64L << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(size, 4096);
            block.fill((byte) 1);      // touch every page, whether or not the allocation zeroed it lazily
            assertTrue(block.byteSize() == size);
            // The kernel's RSS counters are per-CPU and may lag, and the rest of the JVM (GC, JIT, other tests'
            // threads) may give memory back meanwhile: wait a moment, and ask for at least half the block.
            long expected = size / 2;
            long grown = 0;
            for (int i = 0; i < 50 && grown < expected; i++) {
                grown = ProcessMemory.residentBytes() - before;
                if (grown < expected) {
                    sleep(20);
                }
            }
            assertTrue(grown >= expected, "RSS grew by the block (grew " + (grown >> 20) + " MiB)");
        }
        long peak = ProcessMemory.peakResidentBytes();
        assertTrue(peak >= before + size / 2, "the peak saw the block");
        ProcessMemory.resetPeak();
        assertTrue(ProcessMemory.peakResidentBytes() < peak, "the reset peak no longer includes the freed block");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
