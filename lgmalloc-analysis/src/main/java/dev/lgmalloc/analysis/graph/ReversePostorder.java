package dev.lgmalloc.analysis.graph;

import java.util.Arrays;

/**
 * The reverse post-order of a depth-first walk from node 0, visiting each node's successors in array order:
 * every node comes before its successors except along back edges, which is the order forward dataflow and
 * the dominator algorithm want.
 */
public final class ReversePostorder {

    private ReversePostorder() {
    }

    /** The nodes reachable from node 0, entry first; an empty graph gives an empty order. */
    public static int[] of(int[][] successors) {
        int n = successors.length;
        if (n == 0) {
            return new int[0];
        }
        int[] post = new int[n];
        int count = 0;
        boolean[] seen = new boolean[n];
        int[] stack = new int[n];
        int[] next = new int[n]; // per node on the stack: the index of its next successor to visit
        int top = 0;
        stack[top++] = 0;
        seen[0] = true;
        while (top > 0) {
            int node = stack[top - 1];
            if (next[node] < successors[node].length) {
                int s = successors[node][next[node]++];
                if (!seen[s]) {
                    seen[s] = true;
                    stack[top++] = s;
                }
            } else {
                post[count++] = node;
                top--;
            }
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = post[count - 1 - i];
        }
        return order;
    }

    /** Each node's position in {@code order}, or -1 for the nodes it leaves out (those no path reaches). */
    public static int[] ranks(int[] order, int nodes) {
        int[] rank = new int[nodes];
        Arrays.fill(rank, -1);
        for (int i = 0; i < order.length; i++) {
            rank[order[i]] = i;
        }
        return rank;
    }
}
