package dev.lgmalloc.elf.dataflow;

/**
 * The blocks where the dataflow widens: the targets of backward edges that close a cycle. In machine code laid
 * out in address order an edge {@code b -> t} with {@code t <= b} closes a cycle only if {@code t} reaches
 * {@code b} (a cold block placed after the code that jumps back to it is no loop). Every such target is marked,
 * reducible or not, so that no value changed around a cycle is ever reported as a constant.
 *
 * <p>Loop <em>depth</em> is another matter: it counts natural loops only ({@link
 * dev.lgmalloc.analysis.graph.LoopDepth}), since compilers jump backwards to shared join points in large
 * functions and counting those cycles gave depths of 50 in {@code ls}'s main.
 */
final class WideningPoints {

    /** Above this many blocks every backward edge marks its target without the reachability walk, to bound the cost. */
    private static final int EXACT_LIMIT = 4000;

    private WideningPoints() {
    }

    /**
     * Per block, whether a backward edge closing a cycle enters it. An edge {@code b -> t} closes a cycle exactly
     * when {@code t} reaches {@code b}, that is when both are in one strongly connected component: one pass over
     * the graph instead of a walk per backward edge (python3.11's largest functions spent seconds in those walks).
     */
    static boolean[] of(int[][] successors) {
        int n = successors.length;
        boolean[] header = new boolean[n];
        int[] component = null;
        for (int b = 0; b < n; b++) {
            for (int t : successors[b]) {
                if (t > b || header[t]) {
                    continue;
                }
                if (n > EXACT_LIMIT) {
                    header[t] = true;
                    continue;
                }
                if (component == null) {
                    component = StronglyConnected.components(successors);
                }
                header[t] = component[t] == component[b];
            }
        }
        return header;
    }
}
