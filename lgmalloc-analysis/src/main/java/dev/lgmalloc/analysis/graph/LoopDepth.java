package dev.lgmalloc.analysis.graph;

import java.util.BitSet;

/**
 * How many natural loops enclose each node: a static estimate of how often it runs. A natural loop is the
 * target of a back edge whose target (the header) dominates its source (the latch), with every node that
 * reaches the latch without passing the header. Loops sharing a header count once, however many back edges
 * they have ({@code continue} makes several); cycles that are no natural loop (irreducible ones, and backward
 * jumps to shared join points) add nothing, since counting them inflates the depth of large functions.
 */
public final class LoopDepth {

    private LoopDepth() {
    }

    /** The loop depth of every node of the graph; 0 for nodes in no loop and for nodes no path reaches. */
    public static int[] of(int[][] successors) {
        int n = successors.length;
        int[][] predecessors = Predecessors.of(successors);
        Dominators dominators = Dominators.of(successors, predecessors);
        int[] depth = new int[n];
        int[] work = new int[n];
        for (int header = 0; header < n; header++) {
            BitSet body = null;
            for (int latch : predecessors[header]) {
                if (dominators.dominates(header, latch)) {
                    if (body == null) {
                        body = new BitSet(n);
                    }
                    addNaturalLoop(predecessors, header, latch, body, work);
                }
            }
            if (body != null) {
                for (int node = body.nextSetBit(0); node >= 0; node = body.nextSetBit(node + 1)) {
                    depth[node]++;
                }
            }
        }
        return depth;
    }

    /** Adds the header and every node that reaches the latch without passing the header to {@code body}. */
    private static void addNaturalLoop(int[][] predecessors, int header, int latch, BitSet body, int[] work) {
        body.set(header);
        if (body.get(latch)) {
            return; // another back edge's walk already took in the latch and everything reaching it
        }
        int top = 0;
        body.set(latch);
        work[top++] = latch;
        while (top > 0) {
            for (int p : predecessors[work[--top]]) {
                if (!body.get(p)) {
                    body.set(p);
                    work[top++] = p;
                }
            }
        }
    }
}
