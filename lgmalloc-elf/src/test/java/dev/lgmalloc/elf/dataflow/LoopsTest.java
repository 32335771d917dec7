package dev.lgmalloc.elf.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoopsTest {

    @Test
    void nestedNaturalLoopsCountTwoLevels() {
        // 0 -> 1 (outer header) -> 2 (inner header) -> 3 -> 2 (inner back edge), 3 -> 4 -> 1 (outer), 4 -> 5
        int[][] successors = {{1}, {2}, {3}, {2, 4}, {1, 5}, {}};
        int[] depth = new int[6];
        boolean[] header = new boolean[6];
        Loops.find(successors, depth, header);
        assertThat(depth).containsExactly(0, 1, 2, 2, 1, 0);
        assertThat(header[1]).isTrue();
        assertThat(header[2]).isTrue();
    }

    @Test
    void backwardJumpToAJoinPointThatDoesNotDominateIsNoLoopLevelButStillWidens() {
        // 0 -> 1, 0 -> 2; 1 -> 3; 2 -> 3; 3 -> 4; 4 -> 2 (2 does not dominate 4: 3 is reached through 1 too)
        int[][] successors = {{1, 2}, {3}, {3}, {4}, {2}};
        int[] depth = new int[5];
        boolean[] header = new boolean[5];
        Loops.find(successors, depth, header);
        assertThat(depth).containsOnly(0);
        assertThat(header[2]).as("the dataflow still widens at a cycle's entry").isTrue();
    }

    @Test
    void dominatorsOfADiamond() {
        int[][] successors = {{1, 2}, {3}, {3}, {}};
        int[] idom = Dominators.immediate(successors);
        assertThat(idom).containsExactly(0, 0, 0, 0);
        assertThat(Dominators.dominates(idom, 0, 3)).isTrue();
        assertThat(Dominators.dominates(idom, 1, 3)).isFalse();
    }
}
