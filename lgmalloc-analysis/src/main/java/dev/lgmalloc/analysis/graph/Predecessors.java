package dev.lgmalloc.analysis.graph;

/** The inverse of a successor graph. */
public final class Predecessors {

    private Predecessors() {
    }

    /** Every node's predecessors, one entry per edge (a node reached twice from one node lists it twice). */
    public static int[][] of(int[][] successors) {
        int n = successors.length;
        int[] counts = new int[n];
        for (int[] s : successors) {
            for (int t : s) {
                counts[t]++;
            }
        }
        int[][] predecessors = new int[n][];
        for (int i = 0; i < n; i++) {
            predecessors[i] = new int[counts[i]];
        }
        for (int node = 0; node < n; node++) {
            for (int t : successors[node]) {
                predecessors[t][--counts[t]] = node;
            }
        }
        return predecessors;
    }
}
