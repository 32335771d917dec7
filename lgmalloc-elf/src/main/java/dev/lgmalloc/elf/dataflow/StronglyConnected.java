package dev.lgmalloc.elf.dataflow;

import java.util.Arrays;

/** Strongly connected components of a graph given as successor lists (Tarjan's algorithm, without recursion). */
final class StronglyConnected {

    private StronglyConnected() {
    }

    /** Per node, a component number: two nodes have the same number exactly when each reaches the other. */
    static int[] components(int[][] successors) {
        int n = successors.length;
        int[] index = new int[n];
        Arrays.fill(index, -1);
        int[] low = new int[n];
        int[] component = new int[n];
        int[] nextEdge = new int[n];
        int[] open = new int[n]; // nodes visited whose component is not yet closed, in visiting order
        boolean[] isOpen = new boolean[n];
        int[] path = new int[n]; // the depth-first path, standing in for the recursion
        int openTop = 0;
        int counter = 0;
        int components = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            int depth = 0;
            path[depth++] = root;
            index[root] = low[root] = counter++;
            open[openTop++] = root;
            isOpen[root] = true;
            while (depth > 0) {
                int v = path[depth - 1];
                if (nextEdge[v] < successors[v].length) {
                    int w = successors[v][nextEdge[v]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        open[openTop++] = w;
                        isOpen[w] = true;
                        path[depth++] = w;
                    } else if (isOpen[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                depth--;
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = open[--openTop];
                        isOpen[w] = false;
                        component[w] = components;
                    } while (w != v);
                    components++;
                }
                if (depth > 0) {
                    int parent = path[depth - 1];
                    low[parent] = Math.min(low[parent], low[v]);
                }
            }
        }
        return component;
    }
}
