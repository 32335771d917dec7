package dev.lgmalloc.elf.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.graph.LoopDepth;
import org.junit.jupiter.api.Test;

class WideningPointsTest {

    @Test
    void nestedNaturalLoopsCountTwoLevels() {
        // 0 -> 1 (outer header) -> 2 (inner header) -> 3 -> 2 (inner back edge), 3 -> 4 -> 1 (outer), 4 -> 5
        int[][] successors = {{1}, {2}, {3}, {2, 4}, {1, 5}, {}};
        boolean[] header = WideningPoints.of(successors);
        assertThat(LoopDepth.of(successors)).containsExactly(0, 1, 2, 2, 1, 0);
        assertThat(header[1]).isTrue();
        assertThat(header[2]).isTrue();
    }

    @Test
    void backwardJumpToAJoinPointThatDoesNotDominateIsNoLoopLevelButStillWidens() {
        // 0 -> 1, 0 -> 2; 1 -> 3; 2 -> 3; 3 -> 4; 4 -> 2 (2 does not dominate 4: 3 is reached through 1 too)
        int[][] successors = {{1, 2}, {3}, {3}, {4}, {2}};
        boolean[] header = WideningPoints.of(successors);
        assertThat(LoopDepth.of(successors)).containsOnly(0);
        assertThat(header[2]).as("the dataflow still widens at a cycle's entry").isTrue();
    }

    @Test
    void aBackwardEdgeFromCodeTheTargetNeverReachesIsNoCycle() {
        // 0 -> 1 -> 2 (return); 3 (a cold part placed after, entered from elsewhere) -> 1
        int[][] successors = {{1}, {2}, {}, {1}};
        assertThat(WideningPoints.of(successors)).containsOnly(false);
    }
}
