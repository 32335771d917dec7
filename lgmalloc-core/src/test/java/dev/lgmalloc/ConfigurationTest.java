package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigurationTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Test
    void exactClassesServePredictedSizesWithoutRounding() {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withExactSizes(300, 2000));
        long p = allocator.malloc(300);
        long q = allocator.malloc(2000);
        assertThat(allocator.usableSize(p)).isEqualTo(304);
        assertThat(allocator.usableSize(q)).isEqualTo(2000);
        assertThat(allocator.statistics().classes()).filteredOn(AllocatorStatistics.ClassStatistics::exact)
                .extracting(AllocatorStatistics.ClassStatistics::blockSize).containsExactlyInAnyOrder(304, 2000);
        allocator.free(p);
        allocator.free(q);
        Allocator standard = Allocator.create(AllocatorConfiguration.defaults());
        long r = standard.malloc(300);
        assertThat(standard.usableSize(r)).isEqualTo(320);
        standard.free(r);
    }

    @Test
    void newHeapsPreProvisionOnlyThePredictedClasses() throws Exception {
        // A purge delay no test outlives, and the statistics taken by the thread itself while it runs: a maintenance
        // pass may otherwise reap an ended thread's heap, hand a waiting thread's idle classes off, or purge its
        // unused page before they are read.
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withProvisionedSizes(48, 1024)
                .withPurgeDelay(Duration.ofHours(1)));
        var read = new java.util.concurrent.atomic.AtomicReference<AllocatorStatistics>();
        Thread t = Thread.ofPlatform().start(() -> {
            allocator.free(allocator.malloc(48));
            read.set(allocator.statistics());
        });
        t.join();
        AllocatorStatistics s = read.get();
        // The thread used one class but got pages for both predicted ones, and for no other class.
        assertThat(s.classes()).extracting(AllocatorStatistics.ClassStatistics::blockSize)
                .containsExactlyInAnyOrder(48, 1024);
        assertThat(s.heapDetails()).anySatisfy(h -> assertThat(h.pages()).isEqualTo(2));
    }

    @Test
    void processWideAllocatorCannotBeReconfiguredOnceUsed() {
        LgMalloc.free(LgMalloc.malloc(8));
        assertThat(LgMalloc.isInitialized()).isTrue();
        assertThatThrownBy(() -> LgMalloc.configure(AllocatorConfiguration.defaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already in use");
    }

    @Test
    void anExtentRefusedByTheLimitNamesTheLimit() throws Exception {
        // Each thread's extents live in 256 KiB pages of its own: the other thread's needs a whole page, which the
        // limit has no room for although a 16 KiB block would fit (the message used to blame the OS).
        Allocator limited = Allocator.create(AllocatorConfiguration.defaults().withMemoryLimit(3L << 17));
        long mine = limited.malloc(16 * 1024);
        var refused = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                limited.free(limited.malloc(16 * 1024));
            } catch (OutOfMemoryError e) {
                refused.set(e);
            }
        });
        other.join();
        assertThat(refused.get()).isNotNull().hasMessageContaining("memory limit of 393216 bytes");
        limited.free(mine);
        limited.close();
    }

    @Test
    void memoryLimitRefusesAllocationsBeyondItWithAClearError() {
        Allocator limited = Allocator.create(AllocatorConfiguration.defaults().withMemoryLimit(1L << 20));
        java.util.List<Long> blocks = new java.util.ArrayList<>();
        Throwable refused = null;
        try {
            for (int i = 0; i < 100; i++) {
                blocks.add(limited.malloc(100_000));
            }
        } catch (OutOfMemoryError e) {
            refused = e;
        }
        assertThat(refused).isNotNull().hasMessageContaining("memory limit of 1048576 bytes");
        assertThat(limited.usedBytes()).isLessThanOrEqualTo(1L << 20);
        assertThat(limited.tryMalloc(2L << 20)).isZero();
        assertThatThrownBy(() -> limited.malloc(2L << 20)).isInstanceOf(OutOfMemoryError.class)
                .hasMessageContaining("limit");
        blocks.forEach(limited::free);
        long again = limited.malloc(100_000);     // room again after frees
        limited.free(again);
    }

    @Test
    void aBlockGrowingOntoKeptPagesCountsThemAgainstTheLimit() {
        Allocator limited = Allocator.create(AllocatorConfiguration.defaults().withMemoryLimit(4L << 20)
                .withPurgeDelay(Duration.ofHours(1)));
        long big = limited.malloc(4L << 20);
        limited.free(big);                                  // kept for reuse, no longer counted
        assertThat(limited.usedBytes()).isZero();
        long p = limited.malloc(1L << 20);
        long q = limited.realloc(p, 3L << 20);              // grows onto the kept pages after it
        assertThat(q).isEqualTo(big);
        assertThat(limited.usedBytes()).isEqualTo(3L << 20);
        ALL.set(JAVA_LONG_UNALIGNED, q, 42L);
        assertThatThrownBy(() -> limited.realloc(q, 5L << 20)).isInstanceOf(OutOfMemoryError.class)
                .hasMessageContaining("limit");
        assertThat(ALL.get(JAVA_LONG_UNALIGNED, q)).as("the refused block is untouched").isEqualTo(42L);
        assertThat(limited.usedBytes()).isEqualTo(3L << 20);
        limited.free(q);
        assertThat(limited.usedBytes()).isZero();
        limited.close();
    }

    @Test
    void arenaLimitRefusesAllocationsBeyondIt() {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        try (LgArena arena = LgArena.ofConfined(allocator, 1000)) {
            arena.allocate(600);
            assertThat(arena.allocatedBytes()).isEqualTo(600);
            assertThatThrownBy(() -> arena.allocate(500)).isInstanceOf(OutOfMemoryError.class)
                    .hasMessageContaining("LgArena limit of 1000 bytes");
            arena.allocate(400);
        }
        assertThat(allocator.statistics().liveBlocks()).isZero();
        assertThatThrownBy(() -> LgArena.ofShared(allocator, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badConfigurationValuesAreRejected() {
        AllocatorConfiguration d = AllocatorConfiguration.defaults();
        assertThatThrownBy(() -> d.withPurgeDelay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withVirtualThreadStripes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withMemoryLimit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withProvisionedSizes(1 << 30)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("provision");
    }
}
