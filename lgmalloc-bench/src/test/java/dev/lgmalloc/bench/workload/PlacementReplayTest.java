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
            for (int op = 0; op < trace.address().length; op++) {
                assertEquals(trace.address()[op] & region, copied.address()[op] & region,
                        "offset in its 4 MiB region, operation " + op);
            }
            assertTrue(PlacementReplay.replay(copied) > 0);
        }
    }

    @Test
    void rptestsTraceIsWholeBatchesEachFreedLastBlockFirst() {
        PlacementReplay.Trace trace = PlacementReplay.record(Peers.create("lgmalloc"), PlacementReplay.Shape.RPTEST,
                5_000);
        int perLoop = 2 * RpTest.ALLOCATIONS + RpTest.OPERATIONS;
        assertEquals(3 * perLoop, trace.operations(), "whole loops, at least the operations asked for");
        for (int loop = 0; loop < 3; loop++) {
            int end = (loop + 1) * perLoop;
            for (int i = 0; i < RpTest.ALLOCATIONS; i++) {
                int op = end - RpTest.ALLOCATIONS + i;
                assertEquals(RpTest.ALLOCATIONS - 1 - i, trace.slot()[op], "the batch freed last block first");
                assertEquals(0, trace.address()[op], "a free puts no block in its slot");
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(PlacementReplay.replay(PlacementReplay.copyInto(trace, arena)) > 0);
        }
    }

    @Test
    void aTraceWhoseLiveBlocksOverlapIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            long base = arena.allocate(1 << 16, 16).address();
            // Two blocks in slots 0 and 1, then slot 0 refilled on top of slot 1's, then slot 1 freed.
            PlacementReplay.Trace overlapping = new PlacementReplay.Trace("broken", 2, 2, new int[] {0, 1, 0, 1},
                    new long[] {base, base + 4096, base + 4096, 0}, new long[] {64, 64, 64, 0});
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PlacementReplay.replay(overlapping));
            assertTrue(e.getMessage().contains("1 blocks overwritten"), e.getMessage());
        }
    }

    @Test
    void anUnknownShapeIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlacementReplay.Shape.of("sh8bench"));
        assertTrue(e.getMessage().contains("sh8bench") && e.getMessage().contains("rptest"), e.getMessage());
    }
}
