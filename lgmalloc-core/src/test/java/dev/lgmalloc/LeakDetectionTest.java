package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeakDetectionTest {

    /** Leaks two kinds of blocks from two call sites, frees a third; run in a child JVM with full detection. */
    public static final class LeakyProgram {
        public static void main(String[] args) {
            for (int i = 0; i < 3; i++) {
                leakHeaders();
            }
            leakBuffer();
            LgMalloc.free(LgMalloc.malloc(64));
            System.out.println("report-on-demand:" + LeakDetector.report().size());
        }

        static void leakHeaders() {
            LgMalloc.malloc(48);
        }

        static void leakBuffer() {
            LgMalloc.alignedAlloc(64, 5000);
        }
    }

    @Test
    void fullModeReportsLiveBlocksBySiteAtExit() throws Exception {
        String output = FreshJvm.run(LeakyProgram.class, "-Dlgmalloc.leakDetection=full");
        assertThat(output).contains("report-on-demand:2", "full leak detection: blocks still live");
        assertThat(output).containsPattern("3 blocks\\s+144 bytes\\s+dev\\.lgmalloc\\.LeakDetectionTest\\$LeakyProgram"
                + "\\.leakHeaders\\(LeakDetectionTest\\.java:\\d+\\)");
        assertThat(output).containsPattern("1 blocks\\s+5,000 bytes\\s+.*leakBuffer");
    }

    @Test
    void leakCheckFailsWhenBlocksOutliveTheScope() {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        try (LeakCheck check = LeakCheck.of(allocator)) {
            allocator.free(allocator.malloc(100));
            assertThat(check.leakedBlocks()).isZero();
        }
        long[] leaked = new long[1];
        assertThatThrownBy(() -> {
            try (LeakCheck check = LeakCheck.of(allocator)) {
                leaked[0] = allocator.malloc(100);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("1 blocks (112 bytes)")
                .hasMessageContaining("-Dlgmalloc.leakDetection=full");
        allocator.free(leaked[0]);
    }

    @Test
    void detectionIsOffByDefault() {
        assertThat(LeakDetector.mode()).isEqualTo(LeakDetector.Mode.OFF);
        assertThat(LeakDetector.report()).isEqualTo(List.of());
    }

}
