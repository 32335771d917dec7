package dev.lgmalloc.elf.dataflow;

import java.util.Arrays;

/**
 * Immediate dominators of a CFG rooted at block 0, by the iterative algorithm of Cooper, Harvey and Kennedy
 * ("A Simple, Fast Dominance Algorithm", 2001) over reverse postorder. Unreachable blocks get -1.
 */
final class Dominators {

    private Dominators() {
    }

    static int[] immediate(int[][] successors) {
        int n = successors.length;
        int[] idom = new int[n];
        Arrays.fill(idom, -1);
        if (n == 0) {
            return idom;
        }
        int[] order = reversePostorder(successors);          // blocks, entry first
        int[] rank = new int[n];
        Arrays.fill(rank, -1);
        for (int i = 0; i < order.length; i++) {
            rank[order[i]] = i;
        }
        int[][] predecessors = predecessors(successors);
        idom[0] = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < order.length; i++) {
                int b = order[i];
                int newIdom = -1;
                for (int p : predecessors[b]) {
                    if (idom[p] < 0) {
                        continue;
                    }
                    newIdom = newIdom < 0 ? p : intersect(idom, rank, p, newIdom);
                }
                if (newIdom >= 0 && idom[b] != newIdom) {
                    idom[b] = newIdom;
                    changed = true;
                }
            }
        }
        return idom;
    }

    /** Whether {@code a} dominates {@code b} (every block dominates itself); false for unreachable blocks. */
    static boolean dominates(int[] idom, int a, int b) {
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

    private static int[] reversePostorder(int[][] successors) {
        int n = successors.length;
        int[] post = new int[n];
        int count = 0;
        boolean[] seen = new boolean[n];
        int[] stack = new int[n];
        int[] next = new int[n];          // index of the next successor to visit, per block on the stack
        int top = 0;
        stack[top++] = 0;
        seen[0] = true;
        while (top > 0) {
            int b = stack[top - 1];
            if (next[b] < successors[b].length) {
                int s = successors[b][next[b]++];
                if (!seen[s]) {
                    seen[s] = true;
                    stack[top++] = s;
                }
            } else {
                post[count++] = b;
                top--;
            }
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = post[count - 1 - i];
        }
        return order;
    }

    private static int[][] predecessors(int[][] successors) {
        int n = successors.length;
        int[] counts = new int[n];
        for (int[] s : successors) {
            for (int t : s) {
                counts[t]++;
            }
        }
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new int[counts[i]];
        }
        for (int b = 0; b < n; b++) {
            for (int t : successors[b]) {
                out[t][--counts[t]] = b;
            }
        }
        return out;
    }
}
