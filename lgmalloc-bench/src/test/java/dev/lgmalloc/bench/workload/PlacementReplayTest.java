package dev.lgmalloc.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lgmalloc.bench.peer.Peers;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class PlacementReplayTest {

    @Test
    void aTraceOfLgmallocReplaysOnItsCopiedAddresses() {
        PlacementReplay.Trace trace = PlacementReplay.record(Peers.create("lgmalloc"),
                PlacementReplay.Shape.GLIBC_THREAD, 20_000);
        assertEquals(20_000, trace.operations());
        String reuse = PlacementReplay.reuse(trace);
        assertTrue(reuse.contains("of blocks at a freed address"), reuse);
        try (Arena arena = Arena.ofConfined()) {
            PlacementReplay.Trace copied = PlacementReplay.copyInto(trace, arena);
            long region = (1L << 22) - 1;
            for (int op = 0; op < trace.operations(); op++) {
                assertEquals(trace.address()[op] & region, copied.address()[op] & region,
                        "offset in its 4 MiB region, operation " + op);
            }
            assertTrue(PlacementReplay.replay(copied) > 0);
        }
    }

    @Test
    void aTraceWhoseLiveBlocksOverlapIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            long base = arena.allocate(1 << 16, 16).address();
            // The first operation puts slot 0's new block on slot 1's live one, whose check then fails.
            PlacementReplay.Trace overlapping = new PlacementReplay.Trace("broken", new long[] {base, base + 4096},
                    new long[] {64, 64}, new int[] {0, 1}, new long[] {base + 4096, base + 8192}, new long[] {64, 64});
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PlacementReplay.replay(overlapping));
            assertTrue(e.getMessage().contains("1 blocks overwritten"), e.getMessage());
        }
    }

    @Test
    void anUnknownShapeIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlacementReplay.Shape.of("rptest"));
        assertTrue(e.getMessage().contains("rptest") && e.getMessage().contains("alloc-test"), e.getMessage());
    }
}
