package dev.lgmalloc.analysis.graph;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GraphToolkitTest {

    @Test
    void reversePostorderPutsNodesBeforeTheirSuccessorsAndLeavesOutUnreachableOnes() {
        int[][] successors = {{1, 2}, {3}, {3}, {}, {3}};
        int[] order = ReversePostorder.of(successors);
        assertThat(order).containsExactly(0, 2, 1, 3);
        assertThat(ReversePostorder.ranks(order, 5)).containsExactly(0, 2, 1, 3, -1);
    }

    @Test
    void dominatorsOfADiamond() {
        int[][] successors = {{1, 2}, {3}, {3}, {}};
        Dominators d = Dominators.of(successors);
        assertThat(new int[] {d.immediate(0), d.immediate(1), d.immediate(2), d.immediate(3)})
                .containsExactly(0, 0, 0, 0);
        assertThat(d.dominates(0, 3)).isTrue();
        assertThat(d.dominates(1, 3)).isFalse();
    }

    @Test
    void unreachableNodesHaveNoDominatorAndDominateNothing() {
        int[][] successors = {{1}, {}, {1}};
        Dominators d = Dominators.of(successors);
        assertThat(d.immediate(2)).isEqualTo(-1);
        assertThat(d.dominates(2, 1)).isFalse();
        assertThat(d.dominates(1, 2)).isFalse();
    }

    @Test
    void nestedNaturalLoopsCountTwoLevels() {
        // 0 -> 1 (outer header) -> 2 (inner header) -> 3 -> 2 (inner back edge), 3 -> 4 -> 1 (outer), 4 -> 5
        int[][] successors = {{1}, {2}, {3}, {2, 4}, {1, 5}, {}};
        assertThat(LoopDepth.of(successors)).containsExactly(0, 1, 2, 2, 1, 0);
    }

    @Test
    void backEdgesToOneHeaderCountOnceAndIrreducibleCyclesNotAtAll() {
        // 1 is a header with two latches (2 and 3); 4 <-> 5 is entered at both ends from 0
        int[][] successors = {{1, 4, 5}, {2, 3}, {1}, {1}, {5}, {4}};
        assertThat(LoopDepth.of(successors)).containsExactly(0, 1, 1, 1, 0, 0);
    }
}
