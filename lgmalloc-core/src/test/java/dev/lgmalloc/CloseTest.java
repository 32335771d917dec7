package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** {@link Allocator#close()} gives every byte back and leaves nothing reachable. */
class CloseTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Test
    void aThousandAllocatorsCreatedUsedAndClosedLeaveVirtualAndResidentMemoryFlat() throws Exception {
        // In a JVM of its own whose Java heap is all resident from the start: in the test JVM the collector's
        // young generation grew over the rounds (their garbage: tables, heaps, pages) by tens of MiB, as much as
        // the bound, depending on what ran before.
        String output = FreshJvm.run(ThousandRounds.class, "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("vm=(\\d+) rss=(\\d+)").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        long vmGrowth = Long.parseLong(m.group(1));
        long rssGrowth = Long.parseLong(m.group(2));
        // Each round maps at least 4 MiB of segment and 1 MiB of large block and touches them: a leak of either
        // over 1,000 rounds would be gigabytes of address space and hundreds of MiB resident.
        assertThat(vmGrowth).as("KiB of address space grown over 1,000 rounds").isLessThan(64 * 1024);
        assertThat(rssGrowth).as("KiB resident grown over 1,000 rounds").isLessThan(64 * 1024);
    }

    /** The thousand rounds, printing how much address space and resident memory (KiB) they added. */
    public static final class ThousandRounds {
        public static void main(String[] args) throws IOException {
            for (int i = 0; i < 20; i++) {
                useAndClose();               // warm up: classes, page-map leaves, JIT
            }
            long vmBefore = status("VmSize:");
            long rssBefore = status("VmRSS:");
            for (int i = 0; i < 1_000; i++) {
                useAndClose();
            }
            System.out.println("vm=" + (status("VmSize:") - vmBefore) + " rss=" + (status("VmRSS:") - rssBefore));
        }
    }

    private static void useAndClose() {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        long kept = 0;
        for (int size = 16; size <= 64 * 1024; size *= 2) {
            long p = allocator.malloc(size);
            ALL.set(JAVA_LONG, p, size);
            if (size == 256) {
                kept = p;                    // live at close, freed by it
            } else {
                allocator.free(p);
            }
        }
        long large = allocator.malloc(1 << 20);
        ALL.set(JAVA_LONG, large + (1 << 19), 7);
        long zeroed = allocator.calloc(1, 300_000);
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            arena.allocate(64).set(JAVA_LONG, 0, 1);
        }
        assertThat(ALL.get(JAVA_LONG, kept)).isEqualTo(256);
        allocator.free(zeroed);
        allocator.close();                   // 'large' and 'kept' are still live: close unmaps them
    }

    @Test
    void aClosedAllocatorRefusesWorkAndIsCollectable() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        long small = allocator.malloc(64);
        long extent = allocator.malloc(16 * 1024);
        allocator.free(allocator.malloc(16 * 1024));     // kept in the thread's cache, which malloc pops
        long large = allocator.malloc(1 << 20);
        allocator.close();
        allocator.close();                  // twice: nothing more
        assertThatThrownBy(() -> allocator.malloc(64)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> allocator.malloc(16 * 1024)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> allocator.malloc(1 << 20)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> allocator.calloc(1, 1 << 20)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> allocator.free(small)).as("its memory is gone: a foreign pointer now")
                .isInstanceOf(InvalidFreeException.class);
        assertThatThrownBy(() -> allocator.free(extent)).isInstanceOf(InvalidFreeException.class);
        assertThatThrownBy(() -> allocator.free(large)).isInstanceOf(InvalidFreeException.class);
        assertThat(allocator.statistics().committedBytes()).isZero();
        assertThat(allocator.statistics().reservedBytes()).isZero();
        assertThatThrownBy(() -> LgMalloc.allocator().close()).isInstanceOf(UnsupportedOperationException.class);

        // Nothing process-wide (page map, maintenance thread) holds on to a closed allocator.
        WeakReference<Allocator> ref = dropped();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ref.get() != null) {
            assertThat(System.nanoTime()).as("closed allocator collected").isLessThan(deadline);
            System.gc();
            LockSupport.parkNanos(10_000_000);
        }
    }

    private static WeakReference<Allocator> dropped() {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        allocator.free(allocator.malloc(64));
        allocator.malloc(100);
        allocator.close();
        return new WeakReference<>(allocator);
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException(field + " not in /proc/self/status");
    }
}
