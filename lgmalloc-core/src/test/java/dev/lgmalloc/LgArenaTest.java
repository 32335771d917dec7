package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LgArenaTest {

    private final Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());

    @Test
    void confinedArenaZeroesAllocatesLayoutsAndFreesEverythingOnClose() {
        StructLayout point = MemoryLayout.structLayout(JAVA_INT.withName("x"), JAVA_INT.withName("y"));
        MemorySegment kept;
        MemorySegment[] points = new MemorySegment[100];
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            for (int i = 0; i < points.length; i++) {
                MemorySegment s = arena.allocate(point);
                assertThat(s.get(JAVA_INT, 0)).isZero();
                assertThat(s.byteSize()).isEqualTo(8);
                s.set(JAVA_INT, 4, i);
                points[i] = s;
            }
            kept = arena.allocateFrom(JAVA_LONG, 42L);
            assertThat(kept.get(JAVA_LONG, 0)).isEqualTo(42L);
            for (int i = 0; i < points.length; i++) {
                assertThat(points[i].get(JAVA_INT, 4)).as("point %d kept its value: no two overlap", i).isEqualTo(i);
                assertThat(points[i].address() % point.byteAlignment()).isZero();
            }
            // 808 bytes of small segments are carved from a few chunks, not a block each
            assertThat(allocator.statistics().liveBlocks()).isBetween(1L, 4L);
            assertThat(kept.scope().isAlive()).isTrue();
        }
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThat(kept.scope().isAlive()).isFalse();
        MemorySegment closed = kept;
        assertThatThrownBy(() -> closed.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void arenaZeroesReusedMemory() {
        MemorySegment dirty = allocator.allocate(64, 16);
        dirty.fill((byte) 0x7F);
        allocator.free(dirty);
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            MemorySegment s = arena.allocate(64);
            for (long i = 0; i < 64; i += 8) {
                assertThat(s.get(JAVA_LONG, i)).isZero();
            }
        }
    }

    @Test
    void confinedArenaRejectsOtherThreadsAndDoubleClose() throws Exception {
        LgArena arena = LgArena.ofConfined(allocator);
        MemorySegment s = arena.allocate(16);
        Throwable fromOther = CompletableFuture.supplyAsync(() -> {
            try {
                arena.allocate(8);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get();
        assertThat(fromOther).isInstanceOf(WrongThreadException.class);
        Throwable access = CompletableFuture.supplyAsync(() -> {
            try {
                s.get(JAVA_LONG, 0);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get();
        assertThat(access).isInstanceOf(WrongThreadException.class);
        arena.close();
        assertThatThrownBy(arena::close).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> arena.allocate(8)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sharedArenaIsUsableFromManyThreads() throws Exception {
        LgArena arena = LgArena.ofShared(allocator);
        Thread[] threads = new Thread[4];
        MemorySegment[][] made = new MemorySegment[threads.length][];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                made[id] = new MemorySegment[500];
                for (int i = 0; i < 500; i++) {
                    made[id][i] = arena.allocate(JAVA_LONG);
                    made[id][i].set(JAVA_LONG, 0, id * 1000L + i);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (int t = 0; t < threads.length; t++) {
            for (int i = 0; i < 500; i++) {
                assertThat(made[t][i].get(JAVA_LONG, 0)).isEqualTo(t * 1000L + i);
            }
        }
        assertThat(allocator.statistics().liveBlocks()).as("16,000 bytes carved from 512-byte chunks").isBetween(32L, 40L);
        arena.close();
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThatThrownBy(() -> made[0][0].get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClosedArenasChunkServesTheThreadsNextArenaZeroed() {
        long first;
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            MemorySegment s = arena.allocate(JAVA_LONG);
            s.set(JAVA_LONG, 0, -1L);
            arena.allocateFrom(JAVA_LONG, -1L);                      // uninitialised, then written
            first = s.address();
        }
        assertThat(allocator.statistics().liveBlocks()).as("the kept chunk is not the program's block").isZero();
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            MemorySegment s = arena.allocate(JAVA_LONG);
            MemorySegment t = arena.allocate(JAVA_LONG);
            assertThat(s.address()).as("same chunk, no malloc").isEqualTo(first);
            assertThat(s.get(JAVA_LONG, 0)).isZero();
            assertThat(t.get(JAVA_LONG, 0)).isZero();
            // A nested arena finds no spare and takes a chunk of its own, zeroed as well.
            try (LgArena nested = LgArena.ofConfined(allocator)) {
                MemorySegment n = nested.allocate(JAVA_LONG);
                assertThat(n.address()).isNotEqualTo(s.address());
                assertThat(n.get(JAVA_LONG, 0)).isZero();
            }
        }
    }

    @Test
    void aLargeSegmentIsZeroWithoutBeingWrittenAndZeroAgainFromAReusedMapping() {
        // A purge delay long enough that the freed mapping is still cached whatever the machine's pauses.
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults()
                .withPurgeDelay(java.time.Duration.ofMinutes(10)));
        // The largest mapping the allocator keeps for reuse: a bigger one is unmapped on free, and getting its
        // address back would be the kernel's choice, not a reuse (which once made this test fail by chance).
        long size = 32L << 20;
        long dirty;
        long before = Rss.bytes();
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            MemorySegment big = arena.allocate(size, 4096);
            // Zeroed by writing, 32 MiB would be resident here; a mapping of its own is zero as it is.
            assertThat(Rss.bytes() - before).as("resident growth of an unwritten 32 MiB segment").isLessThan(8L << 20);
            big.fill((byte) 0x7F);
            dirty = big.address();
        }
        assertThat(allocator.statistics().committedBytes()).as("the freed mapping is kept for reuse")
                .isGreaterThanOrEqualTo(size);
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            MemorySegment again = arena.allocate(size, 4096);
            assertThat(again.address()).as("the cached mapping, given back zeroed").isEqualTo(dirty);
            for (long i = 0; i < size; i += 4093) {
                assertThat(again.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)).isZero();
            }
        }
        allocator.close();
    }

    @Test
    void aThreadsSpareChunkIsFreedWhenTheThreadEnds() throws Exception {
        Thread t = Thread.ofPlatform().start(() -> {
            try (LgArena arena = LgArena.ofConfined(allocator)) {
                arena.allocate(JAVA_LONG).set(JAVA_LONG, 0, 7);
            }
        });
        t.join();
        allocator.trim();     // reaps the ended thread's heap, which frees its spare, then releases the empty page
        AllocatorStatistics s = allocator.statistics();
        assertThat(s.liveBlocks()).isZero();
        assertThat(s.committedBytes()).as("no page held by a forgotten spare").isZero();
    }

    @Test
    void arenaChecksItsArguments() {
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            assertThatThrownBy(() -> arena.allocate(-1, 8)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> arena.allocate(8, 3)).isInstanceOf(IllegalArgumentException.class);
            MemorySegment aligned = arena.allocate(100, 4096);
            assertThat(aligned.address() % 4096).isZero();
        }
    }
}
