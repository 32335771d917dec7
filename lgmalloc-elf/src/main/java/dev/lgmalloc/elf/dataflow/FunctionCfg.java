package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.analysis.graph.LoopDepth;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import dev.lgmalloc.elf.isa.JumpTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The control-flow graph of one function: its instructions decoded linearly from the function start, basic
 * blocks split at branch targets and after control transfers, edges for direct branches and recovered jump
 * tables, and each block's loop depth. Jumps leaving the function are exits (tail calls).
 *
 * <p>A function may have several code ranges: its own first (block 0 is its entry), then parts split off from
 * it (a {@code .cold} part, see {@code program.FunctionParts}), each decoded linearly. Jumps between the ranges
 * are edges like any other; control never falls from the end of one range into the next.
 */
public final class FunctionCfg {

    private static final int MAX_TABLE_ENTRIES = 4096;

    final ElfFile elf;
    final InstructionSet isa;
    final long start;
    final long end;
    final int codeEnd;
    final int sectionOffsetDelta; // file offset = address - delta
    final long[] addresses;
    final int count;
    /** The code ranges: the function's own, then its parts'. */
    private final Ranges ranges;
    final int[] blockStarts; // instruction index of each block's first instruction
    final int[][] successors;
    final int[] loopDepth;
    final boolean[] hasPredecessor;
    /** Blocks that a cycle re-enters: where values changed around the loop are widened to unknown. */
    final boolean[] loopHeader;
    /** Instruction indices of indirect jumps that are not jump tables: tail calls if the frame is gone. */
    final int[] unresolvedIndirectJumps;
    /** Why the function cannot be analysed soundly, or null. */
    final String problem;
    /**
     * Blocks that code outside the function jumps into (a compiler's {@code .cold} part, its own FDE, jumping back
     * into the hot part): they start from an unknown state, since that code may have set any register.
     */
    final boolean[] enteredFromOutside;

    private FunctionCfg(ElfFile elf, InstructionSet isa, long start, long end, int codeEnd, int delta, long[] addresses, int count,
                        Ranges ranges, int[] blockStarts, int[][] successors, int[] loopDepth, boolean[] hasPredecessor,
                        boolean[] loopHeader, int[] unresolved, String problem, boolean[] enteredFromOutside) {
        this.elf = elf;
        this.isa = isa;
        this.start = start;
        this.end = end;
        this.codeEnd = codeEnd;
        this.sectionOffsetDelta = delta;
        this.addresses = addresses;
        this.count = count;
        this.ranges = ranges;
        this.blockStarts = blockStarts;
        this.successors = successors;
        this.loopDepth = loopDepth;
        this.hasPredecessor = hasPredecessor;
        this.loopHeader = loopHeader;
        this.unresolvedIndirectJumps = unresolved;
        this.problem = problem;
        this.enteredFromOutside = enteredFromOutside;
    }

    public int blockCount() {
        return blockStarts.length;
    }

    /** Decodes instruction {@code index} into {@code insn}. */
    void decode(int index, Instruction insn) {
        long a = addresses[index];
        isa.decode(elf.data(), (int) (a - sectionOffsetDelta), codeEnd, a, insn);
    }

    /**
     * Whether the block is only alignment padding: after a return or jump it has no predecessor, but it is never
     * run, so it must not feed an unknown state into the block it falls into.
     */
    boolean isPadding(int block) {
        Instruction insn = isa.newInstruction();
        for (int i = blockStarts[block]; i < blockEnd(block); i++) {
            decode(i, insn);
            if (!insn.isPadding()) {
                return false;
            }
        }
        return true;
    }

    /** The block starting at {@code address}, or -1. */
    int blockAt(long address) {
        int i = ranges.indexOf(addresses, count, address);
        if (i < 0) {
            return -1;
        }
        int b = Arrays.binarySearch(blockStarts, i);
        return b >= 0 ? b : -1;
    }

    int blockEnd(int block) {
        return block + 1 < blockStarts.length ? blockStarts[block + 1] : count;
    }

    /**
     * The CFG of the function at {@code [start, end)}; {@code outsideEntries} are addresses inside it that other
     * functions' code jumps to (see {@link #enteredFromOutside}).
     */
    public static FunctionCfg build(ElfFile elf, InstructionSet isa, long start, long end, long[] outsideEntries) {
        return build(elf, isa, new long[][] {{start, end}}, outsideEntries, call -> false);
    }

    /**
     * The CFG of a function made of several code ranges ({@code {start, end}} each, the function's own first, the
     * others disjoint from it and sorted), all in one code section. Calls {@code noReturn} accepts end their block
     * without a successor.
     */
    public static FunctionCfg build(ElfFile elf, InstructionSet isa, long[][] codeRanges, long[] outsideEntries,
                                    Predicate<Instruction> noReturn) {
        long start = codeRanges[0][0];
        long end = codeRanges[0][1];
        Section section = elf.codeSectionAt(start);
        if (section == null) {
            return null;
        }
        int delta = (int) (section.address() - section.offset());
        int codeEnd = (int) (section.offset() + section.fileSize());
        Instruction insn = isa.newInstruction();
        long bytes = 0;
        for (long[] r : codeRanges) {
            bytes += r[1] - r[0];
        }
        long[] addresses = new long[Math.max(16, (int) Math.min(1 << 20, bytes / 3))];
        int count = 0;
        String problem = null;
        Ranges ranges = new Ranges(codeRanges.length);
        for (int k = 0; k < codeRanges.length && problem == null; k++) {
            ranges.starts[k] = codeRanges[k][0];
            ranges.ends[k] = codeRanges[k][1];
            ranges.first[k] = count;
            if (elf.codeSectionAt(codeRanges[k][0]) != section) {
                problem = String.format("a part at 0x%x in another section", codeRanges[k][0]);
                break;
            }
            int limit = (int) Math.min(codeEnd, codeRanges[k][1] - delta);
            for (int pos = (int) (codeRanges[k][0] - delta); pos < limit; ) {
                long a = pos + (long) delta;
                int len = isa.decode(elf.data(), pos, codeEnd, a, insn);
                if (count == addresses.length) {
                    addresses = Arrays.copyOf(addresses, count * 2);
                }
                addresses[count++] = a;
                if (len == 0) {
                    problem = String.format("undecodable bytes at 0x%x", a);
                    break;
                }
                pos += len;
            }
        }
        if (problem != null) {
            return new FunctionCfg(elf, isa, start, end, codeEnd, delta, addresses, count, ranges, new int[] {0},
                    new int[][] {{}}, new int[] {0}, new boolean[] {false}, new boolean[] {false}, new int[0], problem,
                    new boolean[] {false});
        }
        return new Builder(elf, isa, start, end, codeEnd, delta, addresses, count, ranges, outsideEntries, noReturn)
                .build();
    }

    /**
     * The code ranges of a function and where each begins in the instruction list. Instructions are sorted
     * within a range, not across ranges (the function's own range comes first), so lookups go range by range.
     */
    private static final class Ranges {
        final long[] starts;
        final long[] ends;
        final int[] first;

        Ranges(int n) {
            starts = new long[n];
            ends = new long[n];
            first = new int[n];
        }

        boolean contains(long address) {
            for (int k = 0; k < starts.length; k++) {
                if (address >= starts[k] && address < ends[k]) {
                    return true;
                }
            }
            return false;
        }

        /** Whether instruction {@code i} is the first of a range after the first range. */
        boolean startsRange(int i) {
            for (int k = 1; k < first.length; k++) {
                if (first[k] == i) {
                    return true;
                }
            }
            return false;
        }

        /** The index of the instruction at {@code address} among {@code addresses[0, count)}, or -1. */
        int indexOf(long[] addresses, int count, long address) {
            for (int k = 0; k < starts.length; k++) {
                if (address >= starts[k] && address < ends[k]) {
                    int to = k + 1 < first.length ? first[k + 1] : count;
                    int i = Arrays.binarySearch(addresses, first[k], to, address);
                    return i >= 0 ? i : -1;
                }
            }
            return -1;
        }
    }

    /** Splits blocks and wires edges. */
    private static final class Builder {
        final ElfFile elf;
        final InstructionSet isa;
        final long start;
        final long end;
        final int codeEnd;
        final int delta;
        final long[] addresses;
        final int count;
        final Instruction insn;
        final JumpTables jumpTables;
        final BitSet leaders = new BitSet();
        final List<int[]> edges = new ArrayList<>(); // {from instruction, to instruction}
        final boolean[] fallsThrough;
        final List<Integer> unresolved = new ArrayList<>();
        String problem;

        private final long[] outsideEntries;
        private final Ranges ranges;
        private final Predicate<Instruction> noReturn;

        Builder(ElfFile elf, InstructionSet isa, long start, long end, int codeEnd, int delta, long[] addresses,
                int count, Ranges ranges, long[] outsideEntries, Predicate<Instruction> noReturn) {
            this.outsideEntries = outsideEntries;
            this.ranges = ranges;
            this.noReturn = noReturn;
            this.elf = elf;
            this.isa = isa;
            this.insn = isa.newInstruction();
            this.jumpTables = isa.newJumpTables();
            this.start = start;
            this.end = end;
            this.codeEnd = codeEnd;
            this.delta = delta;
            this.addresses = addresses;
            this.count = count;
            this.fallsThrough = new boolean[count];
        }

        int indexOf(long address) {
            return ranges.indexOf(addresses, count, address);
        }


        void branchTo(int from, long target) {
            if (!ranges.contains(target)) {
                return; // leaves the function: a tail call (or a jump into a part not merged with it)
            }
            int to = indexOf(target);
            if (to < 0) {
                problem = String.format("branch at 0x%x into the middle of an instruction (0x%x)",
                        addresses[from], target);
                return;
            }
            leaders.set(to);
            edges.add(new int[] {from, to});
        }

        FunctionCfg build() {
            leaders.set(0);
            for (int first : ranges.first) {
                if (first < count) {
                    leaders.set(first); // a block never spans two ranges
                }
            }
            int[] outside = new int[outsideEntries.length];
            for (int k = 0; k < outsideEntries.length; k++) {
                outside[k] = indexOf(outsideEntries[k]);
                if (outside[k] < 0 && problem == null) {
                    problem = String.format("a jump from another function into the middle of an instruction (0x%x)",
                            outsideEntries[k]);
                } else if (outside[k] >= 0) {
                    leaders.set(outside[k]);
                }
            }
            for (int i = 0; i < count; i++) {
                decodeInto(i, insn);
                jumpTables.observe(insn);
                boolean next = switch (insn.flow()) {
                    case BRANCH, COUNTER_BRANCH -> {
                        branchTo(i, insn.branchTarget);
                        yield true;
                    }
                    case JUMP -> {
                        branchTo(i, insn.branchTarget);
                        yield false;
                    }
                    case INDIRECT_JUMP -> {
                        indirectJump(i);
                        yield false;
                    }
                    case STOP -> false;
                    case CALL, INDIRECT_CALL -> !noReturn.test(insn);
                    case NEXT -> true;
                };
                fallsThrough[i] = next && i + 1 < count && !ranges.startsRange(i + 1);
                if (!next && i + 1 < count) {
                    leaders.set(i + 1);
                }
                if (insn.relativeBranch && i + 1 < count) {
                    leaders.set(i + 1);
                }
            }
            int blocks = leaders.cardinality();
            int[] blockStarts = new int[blocks];
            int[] blockOf = new int[count];
            int b = -1;
            for (int i = 0; i < count; i++) {
                if (leaders.get(i)) {
                    blockStarts[++b] = i;
                }
                blockOf[i] = b;
            }
            List<List<Integer>> succ = new ArrayList<>(blocks);
            for (int k = 0; k < blocks; k++) {
                succ.add(new ArrayList<>(2));
            }
            for (int k = 0; k < blocks; k++) {
                int last = (k + 1 < blocks ? blockStarts[k + 1] : count) - 1;
                if (fallsThrough[last]) {
                    succ.get(k).add(k + 1);
                }
            }
            for (int[] e : edges) {
                List<Integer> list = succ.get(blockOf[e[0]]);
                int target = blockOf[e[1]];
                if (!list.contains(target)) {
                    list.add(target);
                }
            }
            int[][] successors = new int[blocks][];
            boolean[] hasPredecessor = new boolean[blocks];
            for (int k = 0; k < blocks; k++) {
                successors[k] = succ.get(k).stream().mapToInt(Integer::intValue).toArray();
                for (int t : successors[k]) {
                    hasPredecessor[t] = true;
                }
            }
            int[] loopDepth = LoopDepth.of(successors);
            boolean[] loopHeader = WideningPoints.of(successors);
            boolean[] enteredFromOutside = new boolean[blocks];
            for (int i : outside) {
                if (i >= 0) {
                    enteredFromOutside[blockOf[i]] = true;
                }
            }
            return new FunctionCfg(elf, isa, start, end, codeEnd, delta, addresses, count, ranges, blockStarts, successors,
                    loopDepth, hasPredecessor, loopHeader, unresolved.stream().mapToInt(Integer::intValue).toArray(),
                    problem, enteredFromOutside);
        }

        /** Recovers a jump table's targets, or records the jump as unresolved. */
        private void indirectJump(int index) {
            if (insn.hasTargetSlot()) {
                return; // a tail call through the GOT
            }
            JumpTables.Table table = jumpTables.find(index, this::decodeInto);
            if (table == null) {
                unresolved.add(index);
                if (jumpTables.looksLikeDispatch(index, this::decodeInto)) {
                    problem = String.format("jump table at 0x%x not recovered", addresses[index]);
                }
                return;
            }
            int found = table.entries() > 0 ? boundedTargets(index, table) : -1;
            if (found < 0) {
                found = scannedTargets(index, table);
            }
            if (found == 0) {
                unresolved.add(index);
                problem = String.format("jump table at 0x%x has no targets in the function", addresses[index]);
            }
        }

        /**
         * Edges to each of the entries the bounds check allows; -1 (and no edge) if one of them is no instruction
         * of this function nor code elsewhere, since then the count cannot be right.
         */
        private int boundedTargets(int index, JumpTables.Table table) {
            long[] targets = new long[table.entries()];
            for (int e = 0; e < targets.length; e++) {
                targets[e] = table.target(elf, e);
                boolean inside = ranges.contains(targets[e]);
                if (inside ? indexOf(targets[e]) < 0 : elf.codeSectionAt(targets[e]) == null) {
                    return -1;
                }
            }
            int found = 0;
            for (long target : targets) {
                if (ranges.contains(target)) {
                    branchTo(index, target);
                    found++;
                }
            }
            return found;
        }

        /** Without a bounds check: entries up to the first that is no instruction of this function nor code. */
        private int scannedTargets(int index, JumpTables.Table table) {
            int found = 0;
            for (int e = 0; e < MAX_TABLE_ENTRIES; e++) {
                long target = table.target(elf, e);
                if (target == JumpTables.NO_TARGET) {
                    break;
                }
                if (ranges.contains(target)) {
                    if (indexOf(target) < 0) {
                        break; // not an instruction boundary: past the end of the table
                    }
                    branchTo(index, target);
                    found++;
                } else if (elf.codeSectionAt(target) == null) {
                    break;
                }
            }
            return found;
        }

        private void decodeInto(int index, Instruction into) {
            long a = addresses[index];
            isa.decode(elf.data(), (int) (a - delta), codeEnd, a, into);
        }
    }
}
