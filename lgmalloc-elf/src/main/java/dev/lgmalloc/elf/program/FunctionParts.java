package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which functions of the table are really pieces of another one. GCC moves the unlikely paths of a function into
 * a {@code .cold} part with its own FDE (and, with a symbol table, its own symbol {@code foo.cold}); the part is
 * entered only by jumps from the hot part and jumps back into its middle. Analysed apart, the hot part cannot
 * see what the cold part wrote before jumping back; analysed together, the dataflow follows the real paths.
 *
 * <p>A function is a part of another when all of these hold: no call reaches it (so it is no callee of anyone)
 * and no global symbol names it (code outside the binary could call it); every direct jump into it comes from
 * one other function, its parent, and the parent reaches its start (a hot part called only through pointers is
 * entered at its start that way, though its cold part jumps into its middle); both lie in one code section; and
 * it is shaped like a split-off piece: it jumps back into the middle of its parent, or the parent jumps into its
 * middle (compiled code enters a real function only at its start), or its symbol says {@code .cold}. A function
 * tail-called from one place only but otherwise whole is not a part: its address may be taken (the sweep does
 * not look), so merging it would trust one caller's registers for every entry.
 */
public final class FunctionParts {

    /** The direct transfers between functions, recorded during the sweep over all code. */
    public static final class Links {
        private final Functions functions;
        private final BitSet called = new BitSet();
        private final BitSet jumpedToStart = new BitSet();
        private final Map<Integer, int[]> jumpers = new HashMap<>(); // part candidate -> {one jumper, -2 if several}
        /** Pairs (from, into) of functions, as {@code from << 32 | into}: {@code from} jumps into the middle of {@code into}. */
        private final Set<Long> jumpsIntoMiddle = new HashSet<>();
        private final List<long[]> crossJumps = new ArrayList<>(); // {from function, target address}

        public Links(Functions functions) {
            this.functions = functions;
        }

        /** A direct call from anywhere to {@code target}. */
        public void call(long target) {
            int g = functions.indexContaining(target);
            if (g >= 0) {
                called.set(g);
            }
        }

        /** A direct jump or conditional branch in function {@code from} to {@code target}, outside {@code from}. */
        public void jump(int from, long target) {
            int g = functions.indexContaining(target);
            if (g < 0 || g == from) {
                return;
            }
            crossJumps.add(new long[] {from, target});
            int[] one = jumpers.computeIfAbsent(g, k -> new int[] {from});
            if (one[0] != from) {
                one[0] = -2;
            }
            if (target == functions.start(g)) {
                jumpedToStart.set(g);
            } else {
                jumpsIntoMiddle.add(pair(from, g));
            }
        }
    }

    private final Functions functions;
    private final int[] root;
    private final Map<Integer, int[]> partsOf;
    private final Map<Integer, long[]> outsideEntries;

    private FunctionParts(Functions functions, int[] root, Map<Integer, int[]> partsOf,
                          Map<Integer, long[]> outsideEntries) {
        this.functions = functions;
        this.root = root;
        this.partsOf = partsOf;
        this.outsideEntries = outsideEntries;
    }

    /** Decides the parts from what the sweep recorded. */
    public static FunctionParts decide(ElfFile elf, Links links) {
        Functions functions = links.functions;
        int n = functions.count();
        int[] parent = new int[n];
        Arrays.fill(parent, -1);
        for (Map.Entry<Integer, int[]> e : links.jumpers.entrySet()) {
            int part = e.getKey();
            int from = e.getValue()[0];
            if (from >= 0 && isPartOf(elf, links, part, from)) {
                parent[part] = from;
            }
        }
        int[] root = new int[n];
        for (int f = 0; f < n; f++) {
            root[f] = rootOf(parent, f);
        }
        Map<Integer, List<Integer>> groups = new HashMap<>();
        for (int f = 0; f < n; f++) {
            if (root[f] != f) {
                groups.computeIfAbsent(root[f], k -> new ArrayList<>()).add(f);
            }
        }
        Map<Integer, int[]> partsOf = new HashMap<>();
        groups.forEach((r, list) -> partsOf.put(r, list.stream().mapToInt(Integer::intValue).sorted().toArray()));
        Map<Integer, List<Long>> outside = new HashMap<>();
        for (long[] jump : links.crossJumps) {
            int g = functions.indexContaining(jump[1]);
            int group = root[g];
            if (root[(int) jump[0]] != group && jump[1] != functions.start(group)) {
                outside.computeIfAbsent(group, k -> new ArrayList<>()).add(jump[1]);
            }
        }
        Map<Integer, long[]> outsideEntries = new HashMap<>();
        outside.forEach((g, list) -> outsideEntries.put(g,
                list.stream().mapToLong(Long::longValue).sorted().distinct().toArray()));
        return new FunctionParts(functions, root, partsOf, outsideEntries);
    }

    private static boolean isPartOf(ElfFile elf, Links links, int part, int from) {
        Functions functions = links.functions;
        if (links.called.get(part) || functions.isGlobal(part) || !links.jumpedToStart.get(part)) {
            return false;
        }
        Section section = elf.codeSectionAt(functions.start(part));
        if (section == null || section != elf.codeSectionAt(functions.start(from))) {
            return false;
        }
        return links.jumpsIntoMiddle.contains(pair(part, from)) || links.jumpsIntoMiddle.contains(pair(from, part))
                || functions.aliases(part).stream().anyMatch(a -> a.contains(".cold"));
    }

    private static long pair(int from, int into) {
        return (long) from << 32 | into;
    }

    /** Follows parents to the whole function; a cycle of parts (no whole function among them) stays apart. */
    private static int rootOf(int[] parent, int f) {
        int r = f;
        for (int steps = 0; parent[r] >= 0; steps++) {
            if (steps > parent.length || parent[r] == f) {
                return f;
            }
            r = parent[r];
        }
        return r;
    }

    /** The function whose analysis covers {@code f}: its parent's root if it is a part, else itself. */
    public int root(int f) {
        return root[f];
    }

    /** Whether {@code f} is analysed as part of another function. */
    public boolean isPart(int f) {
        return root[f] != f;
    }

    /** The parts merged into {@code root}, in address order; empty for most functions. */
    public int[] partsOf(int root) {
        return partsOf.getOrDefault(root, new int[0]);
    }

    /** How many functions are parts of others. */
    public int partCount() {
        int count = 0;
        for (int f = 0; f < root.length; f++) {
            count += root[f] != f ? 1 : 0;
        }
        return count;
    }

    /**
     * The addresses inside the group of {@code root} (other than its start) that code of other groups jumps to:
     * that code may have set any register, so the dataflow starts there from an unknown state.
     */
    public long[] outsideEntries(int root) {
        return outsideEntries.getOrDefault(root, new long[0]);
    }

    /** The code ranges of the group of {@code root}: the root's first, then its parts' in address order. */
    public long[][] ranges(int root) {
        int[] parts = partsOf(root);
        long[][] ranges = new long[parts.length + 1][];
        ranges[0] = new long[] {functions.start(root), functions.end(root)};
        for (int i = 0; i < parts.length; i++) {
            ranges[i + 1] = new long[] {functions.start(parts[i]), functions.end(parts[i])};
        }
        return ranges;
    }
}
