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
            MemorySegment block = arena.allocate(size, 4096);   // zeroed: every page touched
            assertTrue(block.byteSize() == size);
            assertTrue(ProcessMemory.residentBytes() >= before + size * 9 / 10, "RSS grew by the block");
        }
        long peak = ProcessMemory.peakResidentBytes();
        assertTrue(peak >= before + size * 9 / 10, "the peak saw the block");
        ProcessMemory.resetPeak();
        assertTrue(ProcessMemory.peakResidentBytes() < peak, "the reset peak no longer includes the freed block");
    }
}
