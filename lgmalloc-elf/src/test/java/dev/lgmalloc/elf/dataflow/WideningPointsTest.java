package dev.lgmalloc.elf.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.graph.LoopDepth;
import dev.lgmalloc.analysis.graph.Predecessors;
import java.util.BitSet;
import java.util.Random;
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

    @Test
    void componentsGiveWhatAWalkPerBackwardEdgeGave() {
        Random random = new Random(20261202);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + random.nextInt(60);
            int[][] successors = new int[n][];
            for (int b = 0; b < n; b++) {
                successors[b] = random.ints(random.nextInt(4), 0, n).toArray();
            }
            assertThat(WideningPoints.of(successors)).as("graph %d", round).isEqualTo(byWalks(successors));
        }
    }

    /** The former rule: a backward edge b -> t closes a cycle when a walk back from b finds t. */
    private static boolean[] byWalks(int[][] successors) {
        int[][] predecessors = Predecessors.of(successors);
        boolean[] header = new boolean[successors.length];
        for (int b = 0; b < successors.length; b++) {
            for (int t : successors[b]) {
                if (t <= b && !header[t]) {
                    header[t] = t == b || walkFinds(predecessors, t, b);
                }
            }
        }
        return header;
    }

    private static boolean walkFinds(int[][] predecessors, int from, int to) {
        BitSet seen = new BitSet();
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>(java.util.List.of(to));
        seen.set(to);
        while (!work.isEmpty()) {
            for (int p : predecessors[work.pop()]) {
                if (p == from) {
                    return true;
                }
                if (!seen.get(p)) {
                    seen.set(p);
                    work.push(p);
                }
            }
        }
        return false;
    }
}
