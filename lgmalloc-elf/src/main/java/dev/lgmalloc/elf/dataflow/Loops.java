package dev.lgmalloc.elf.dataflow;

import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * Finds loops in a CFG whose blocks are in address order. An edge {@code b -> t} with {@code t <= b} closes a
 * loop only if {@code t} reaches {@code b}; the loop's body is every block that {@code t} reaches and that
 * reaches {@code b}. (A cold block placed after the code that jumps back to it is no loop.) Every such header
 * is marked, so the dataflow widens around any cycle, reducible or not.
 *
 * <p>Loop <em>depth</em> (a site's static frequency) counts only natural loops, whose header dominates the
 * latch: compilers jump backwards to shared join points in large functions, and counting those cycles gave
 * depths of 50 in {@code ls}'s main.
 */
final class Loops {

    /** Above this many blocks every backward edge marks a header without the reachability walk, to bound the cost. */
    private static final int EXACT_LIMIT = 4000;

    private Loops() {
    }

    static void find(int[][] successors, int[] loopDepth, boolean[] loopHeader) {
        int n = successors.length;
        int[][] predecessors = null;
        java.util.Map<Integer, BitSet> bodies = new java.util.TreeMap<>(); // header -> union of its loops' bodies
        java.util.Map<Integer, BitSet> reachable = new java.util.HashMap<>(); // header -> blocks it reaches
        for (int b = 0; b < n; b++) {
            for (int t : successors[b]) {
                if (t > b) {
                    continue;
                }
                if (n > EXACT_LIMIT) {
                    loopHeader[t] = true;
                    continue;
                }
                if (predecessors == null) {
                    predecessors = invert(successors);
                }
                // the classic natural-loop walk: backwards from the latch, never past the header
                BitSet body = new BitSet(n);
                boolean closesCycle = t == b;
                body.set(t);
                ArrayDeque<Integer> work = new ArrayDeque<>();
                if (t != b) {
                    body.set(b);
                    work.add(b);
                }
                boolean escaped = false;
                while (!work.isEmpty()) {
                    int m = work.poll();
                    if (m == 0 && t != 0) {
                        escaped = true; // reached the entry without the header: not a natural loop
                    }
                    for (int p : predecessors[m]) {
                        if (p == t) {
                            closesCycle = true;
                        } else if (!body.get(p)) {
                            body.set(p);
                            work.add(p);
                        }
                    }
                }
                if (!closesCycle) {
                    continue;
                }
                if (escaped) { // irreducible: keep only blocks the header reaches
                    body.and(reachable.computeIfAbsent(t, h -> reach(successors, h)));
                }
                loopHeader[t] = true;
            }
        }
        int[] idom = Dominators.immediate(successors);
        if (predecessors == null) {
            predecessors = invert(successors);
        }
        for (int b = 0; b < n; b++) {
            for (int t : successors[b]) {
                if (Dominators.dominates(idom, t, b)) {
                    bodies.computeIfAbsent(t, k -> new BitSet(n)).or(naturalLoop(predecessors, t, b));
                }
            }
        }
        for (BitSet body : bodies.values()) { // one level per loop header, however many back edges it has
            for (int m = body.nextSetBit(0); m >= 0; m = body.nextSetBit(m + 1)) {
                loopDepth[m]++;
            }
        }
    }

    /** The blocks of the natural loop of back edge {@code latch -> header}: header plus what reaches the latch. */
    private static BitSet naturalLoop(int[][] predecessors, int header, int latch) {
        BitSet body = new BitSet(predecessors.length);
        body.set(header);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        if (!body.get(latch)) {
            body.set(latch);
            work.add(latch);
        }
        while (!work.isEmpty()) {
            for (int p : predecessors[work.poll()]) {
                if (!body.get(p)) {
                    body.set(p);
                    work.add(p);
                }
            }
        }
        return body;
    }
    private static BitSet reach(int[][] edges, int from) {
        BitSet seen = new BitSet(edges.length);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        seen.set(from);
        work.add(from);
        while (!work.isEmpty()) {
            for (int next : edges[work.poll()]) {
                if (!seen.get(next)) {
                    seen.set(next);
                    work.add(next);
                }
            }
        }
        return seen;
    }

    private static int[][] invert(int[][] successors) {
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
        for (int b = 0; b < n; b++) {
            for (int t : successors[b]) {
                predecessors[t][--counts[t]] = b;
            }
        }
        return predecessors;
    }
}
