package dev.lgmalloc.analysis.graph;

import java.util.Arrays;

/**
 * The dominator tree of a graph entered at node 0, by the iterative algorithm of Cooper, Harvey and Kennedy
 * ("A Simple, Fast Dominance Algorithm", 2001) over {@link ReversePostorder}: on the graphs compilers emit it
 * converges in two or three passes and needs nothing but int arrays.
 */
public final class Dominators {

    private final int[] idom; // the entry is its own immediate dominator; -1 for nodes no path reaches

    private Dominators(int[] idom) {
        this.idom = idom;
    }

    /** The dominators of the graph given by {@code successors}. */
    public static Dominators of(int[][] successors) {
        return of(successors, Predecessors.of(successors));
    }

    /** The same, reusing the caller's {@link Predecessors#of inverse} of {@code successors}. */
    public static Dominators of(int[][] successors, int[][] predecessors) {
        int n = successors.length;
        int[] idom = new int[n];
        Arrays.fill(idom, -1);
        if (n == 0) {
            return new Dominators(idom);
        }
        int[] order = ReversePostorder.of(successors);
        int[] rank = ReversePostorder.ranks(order, n);
        idom[0] = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < order.length; i++) {
                int node = order[i];
                int newIdom = -1;
                for (int p : predecessors[node]) {
                    if (idom[p] < 0) {
                        continue; // not processed yet, or unreachable
                    }
                    newIdom = newIdom < 0 ? p : intersect(idom, rank, p, newIdom);
                }
                if (newIdom >= 0 && idom[node] != newIdom) {
                    idom[node] = newIdom;
                    changed = true;
                }
            }
        }
        return new Dominators(idom);
    }

    /** The immediate dominator of {@code node}: the entry for itself, -1 when no path reaches the node. */
    public int immediate(int node) {
        return idom[node];
    }

    /** Whether {@code a} dominates {@code b} (every reachable node dominates itself); false for unreachable nodes. */
    public boolean dominates(int a, int b) {
        if (idom[b] < 0 || idom[a] < 0) {
            return false;
        }
        int x = b;
        while (true) {
            if (x == a) {
                return true;
            }
            if (x == 0) {
                return false;
            }
            x = idom[x];
        }
    }

    /** The two nodes' nearest common dominator, walking up by reverse post-order rank. */
    private static int intersect(int[] idom, int[] rank, int a, int b) {
        while (a != b) {
            while (rank[a] > rank[b]) {
                a = idom[a];
            }
            while (rank[b] > rank[a]) {
                b = idom[b];
            }
        }
        return a;
    }
}
