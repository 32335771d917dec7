package dev.lgmalloc.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeersTest {

    @Test
    void namesAreUniqueAndCoverEveryFamily() {
        List<String> names = Peers.names();
        assertEquals(names.size(), new HashSet<>(names).size());
        for (String expected : List.of("lgmalloc", "lgmalloc-plan", "glibc", "glibc-critical", "glibc-critical-mapped", "jemalloc", "jemalloc-critical",
                "mimalloc", "mimalloc-critical", "tcmalloc", "tcmalloc-critical", "arena-confined", "arena-shared",
                "netty-pooled", "netty-pooled-cached", "netty-adaptive", "netty-adaptive-ftl")) {
            assertTrue(names.contains(expected), expected);
        }
    }

    @Test
    void anUnknownPeerIsRefusedWithTheValidNames() {
        String message = assertThrows(IllegalArgumentException.class, () -> Peers.create("ptmalloc")).getMessage();
        assertTrue(message.contains("unknown allocator 'ptmalloc'") && message.contains("mimalloc"), message);
    }

    @Test
    void aMissingLibraryIsReportedWithThePackageToInstall() {
        String old = System.getProperty("lgmalloc.bench.lib.mimalloc");
        System.setProperty("lgmalloc.bench.lib.mimalloc", "/nonexistent/libmimalloc.so.2");
        try {
            String reason = NativeLibrary.MIMALLOC.unavailableReason();
            assertTrue(reason.contains("libmimalloc2.0") && reason.contains("scripts/install-peers"), reason);
        } finally {
            if (old == null) {
                System.clearProperty("lgmalloc.bench.lib.mimalloc");
            } else {
                System.setProperty("lgmalloc.bench.lib.mimalloc", old);
            }
        }
    }

    @Test
    void oneJvmMeasuresOneNativeAllocator() {
        PeerAllocator glibc = Peers.create("glibc");
        long block = glibc.malloc(100);
        assertTrue(block != 0);
        block = glibc.realloc(block, 5000);
        glibc.free(block);
        assertTrue(glibc.version().matches("\\d+\\.\\d+.*"), glibc.version());
        assertEquals("malloc_trim(0)", glibc.releaseFreeMemory());
        String message = assertThrows(IllegalStateException.class, () -> Peers.create("glibc-critical"))
                .getMessage();
        assertTrue(message.contains("each native allocator runs in its own JVM"), message);
    }

    @Test
    void arenasFreeWhatTheyAllocatedAndRefuseStrangers() {
        try (PeerAllocator arena = Peers.create("arena-confined")) {
            long block = arena.malloc(64);
            long moved = arena.realloc(block, 200);
            assertThrows(IllegalArgumentException.class, () -> arena.free(moved + 16));
            arena.free(moved);
            assertTrue(!arena.freesFromAnyThread());
        }
    }
}
