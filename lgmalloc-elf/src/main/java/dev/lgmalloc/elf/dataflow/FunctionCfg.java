package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.analysis.graph.LoopDepth;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.x86.Instruction;
import dev.lgmalloc.elf.x86.X86Decoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The control-flow graph of one function: its instructions decoded linearly from the function start, basic
 * blocks split at branch targets and after control transfers, edges for direct branches and recovered jump
 * tables, and each block's loop depth. Jumps leaving the function are exits (tail calls).
 */
public final class FunctionCfg {

    private static final int MAX_TABLE_ENTRIES = 4096;

    final ElfFile elf;
    final long start;
    final long end;
    final int codeEnd;
    final int sectionOffsetDelta; // file offset = address - delta
    final long[] addresses;
    final int count;
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

    private FunctionCfg(ElfFile elf, long start, long end, int codeEnd, int delta, long[] addresses, int count,
                        int[] blockStarts, int[][] successors, int[] loopDepth, boolean[] hasPredecessor,
                        boolean[] loopHeader, int[] unresolved, String problem, boolean[] enteredFromOutside) {
        this.elf = elf;
        this.start = start;
        this.end = end;
        this.codeEnd = codeEnd;
        this.sectionOffsetDelta = delta;
        this.addresses = addresses;
        this.count = count;
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
        X86Decoder.decode(elf.data(), (int) (a - sectionOffsetDelta), codeEnd, a, insn);
    }

    /**
     * Whether the block is only alignment padding ({@code nop}, {@code nopw}, {@code int3}): after a
     * {@code ret} or {@code jmp} it has no predecessor, but it is never run, so it must not feed an unknown
     * state into the block it falls into.
     */
    boolean isPadding(int block) {
        Instruction insn = new Instruction();
        for (int i = blockStarts[block]; i < blockEnd(block); i++) {
            decode(i, insn);
            boolean nop = insn.encoding == Instruction.LEGACY
                    && (insn.map == Instruction.MAP_ONE && (insn.opcode == 0x90 && insn.rexB == 0 || insn.opcode == 0xcc)
                    || insn.map == Instruction.MAP_0F && insn.opcode == 0x1f);
            if (!nop) {
                return false;
            }
        }
        return true;
    }

    /** The block starting at {@code address}, or -1. */
    int blockAt(long address) {
        int i = Arrays.binarySearch(addresses, 0, count, address);
        if (i < 0) {
            return -1;
        }
        int b = Arrays.binarySearch(blockStarts, i);
        return b >= 0 ? b : -1;
    }

    int blockEnd(int block) {
        return block + 1 < blockStarts.length ? blockStarts[block + 1] : count;
    }

    /** Builds the CFG of {@code [start, end)}. */
    public static FunctionCfg build(ElfFile elf, long start, long end) {
        return build(elf, start, end, new long[0]);
    }

    /**
     * Whether {@code insn} is a direct jump, conditional or not (not a call): what can carry control from one
     * function's code into the middle of another's.
     */
    public static boolean isDirectJump(Instruction insn) {
        if (!insn.relativeBranch || insn.encoding != Instruction.LEGACY) {
            return false;
        }
        int op = insn.opcode;
        return insn.map == Instruction.MAP_ONE && (op >= 0x70 && op <= 0x7f || op >= 0xe0 && op <= 0xe3
                || op == 0xe9 || op == 0xeb)
                || insn.map == Instruction.MAP_0F && op >= 0x80 && op <= 0x8f;
    }

    /**
     * The CFG of the function at {@code [start, end)}; {@code outsideEntries} are addresses inside it that other
     * functions' code jumps to (see {@link #enteredFromOutside}).
     */
    public static FunctionCfg build(ElfFile elf, long start, long end, long[] outsideEntries) {
        Section section = elf.codeSectionAt(start);
        if (section == null) {
            return null;
        }
        int delta = (int) (section.address() - section.offset());
        int codeEnd = (int) (section.offset() + section.fileSize());
        int limit = (int) Math.min(codeEnd, end - delta);
        Instruction insn = new Instruction();
        long[] addresses = new long[Math.max(16, (int) Math.min(1 << 20, (end - start) / 3))];
        int count = 0;
        String problem = null;
        for (int pos = (int) (start - delta); pos < limit; ) {
            long a = pos + (long) delta;
            int len = X86Decoder.decode(elf.data(), pos, codeEnd, a, insn);
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
        if (problem != null) {
            return new FunctionCfg(elf, start, end, codeEnd, delta, addresses, count, new int[] {0},
                    new int[][] {{}}, new int[] {0}, new boolean[] {false}, new boolean[] {false}, new int[0], problem,
                    new boolean[] {false});
        }
        return new Builder(elf, start, end, codeEnd, delta, addresses, count, outsideEntries).build();
    }

    /** Splits blocks and wires edges. */
    private static final class Builder {
        final ElfFile elf;
        final long start;
        final long end;
        final int codeEnd;
        final int delta;
        final long[] addresses;
        final int count;
        final Instruction insn = new Instruction();
        final BitSet leaders = new BitSet();
        final List<int[]> edges = new ArrayList<>(); // {from instruction, to instruction}
        final boolean[] fallsThrough;
        final List<Integer> unresolved = new ArrayList<>();
        final long[] ripLea = new long[16]; // last `lea r, [rip+T]` per register, for jump tables
        String problem;

        private final long[] outsideEntries;
        private String outsideProblem;

        Builder(ElfFile elf, long start, long end, int codeEnd, int delta, long[] addresses, int count,
                long[] outsideEntries) {
            this.outsideEntries = outsideEntries;
            this.elf = elf;
            this.start = start;
            this.end = end;
            this.codeEnd = codeEnd;
            this.delta = delta;
            this.addresses = addresses;
            this.count = count;
            this.fallsThrough = new boolean[count];
        }

        int indexOf(long address) {
            int i = Arrays.binarySearch(addresses, 0, count, address);
            return i >= 0 ? i : -1;
        }

        void decode(int index) {
            long a = addresses[index];
            X86Decoder.decode(elf.data(), (int) (a - delta), codeEnd, a, insn);
        }

        void branchTo(int from, long target) {
            if (target < start || target >= end) {
                return; // leaves the function: a tail call or a jump to a cold part
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
            Arrays.fill(ripLea, Long.MIN_VALUE);
            leaders.set(0);
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
                decode(i);
                boolean next = true;
                if (insn.encoding == Instruction.LEGACY && insn.map == Instruction.MAP_ONE) {
                    int op = insn.opcode;
                    if (op >= 0x70 && op <= 0x7f || op >= 0xe0 && op <= 0xe3) {
                        branchTo(i, insn.branchTarget);
                    } else if (op == 0xe9 || op == 0xeb) {
                        branchTo(i, insn.branchTarget);
                        next = false;
                    } else if (op == 0xff && insn.digit() == 4) {
                        indirectJump(i);
                        next = false;
                    } else if (op == 0xc3 || op == 0xc2 || op == 0xcb || op == 0xca || op == 0xcf || op == 0xf4) {
                        next = false;
                    } else if (op == 0x8d && insn.isRipRelative() && insn.reg < 16) {
                        ripLea[insn.reg] = insn.ripTarget();
                    }
                } else if (insn.encoding == Instruction.LEGACY && insn.map == Instruction.MAP_0F) {
                    if (insn.opcode >= 0x80 && insn.opcode <= 0x8f) {
                        branchTo(i, insn.branchTarget);
                    } else if (insn.opcode == 0x0b) {
                        next = false; // ud2
                    }
                }
                fallsThrough[i] = next && i + 1 < count;
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
            return new FunctionCfg(elf, start, end, codeEnd, delta, addresses, count, blockStarts, successors,
                    loopDepth, hasPredecessor, loopHeader, unresolved.stream().mapToInt(Integer::intValue).toArray(),
                    problem, enteredFromOutside);
        }

        /** Recovers a jump table's targets, or records the jump as unresolved. */
        private void indirectJump(int index) {
            if (insn.isRipRelative()) {
                return; // jmp [rip+slot]: a tail call through the GOT
            }
            long[] table = findTable(index);
            if (table == null) {
                unresolved.add(index);
                if (looksLikeTableDispatch(index)) {
                    problem = String.format("jump table at 0x%x not recovered", addresses[index]);
                }
                return;
            }
            int found = 0;
            boolean relative = table[1] == 4;
            for (int e = 0; e < MAX_TABLE_ENTRIES; e++) {
                long entryAddress = table[0] + e * table[1];
                long offset = elf.fileOffsetOf(entryAddress, table[1]);
                if (offset < 0) {
                    break;
                }
                long target = relative ? table[0] + elf.u32(offset) : elf.u64(offset);
                if (target >= start && target < end) {
                    if (indexOf(target) < 0) {
                        break; // not an instruction boundary: past the end of the table
                    }
                    branchTo(index, target);
                    found++;
                } else if (elf.codeSectionAt(target) == null) {
                    break;
                }
            }
            if (found == 0) {
                unresolved.add(index);
                problem = String.format("jump table at 0x%x has no targets in the function", addresses[index]);
            }
        }

        /** {table address, entry size} for the two forms GCC and Clang emit, or null. */
        private long[] findTable(int index) {
            Instruction jump = new Instruction();
            decodeInto(index, jump);
            if (jump.hasMemoryOperand()) { // jmp [index*8 + table]
                return jump.memBase == Instruction.NONE && jump.memIndex >= 0 && jump.memScale == 8
                        ? new long[] {jump.displacement & 0xffffffffL, 8} : null;
            }
            int target = jump.rm;
            Instruction prior = new Instruction();
            for (int i = index - 1; i >= Math.max(0, index - 8); i--) {
                decodeInto(i, prior);
                if (prior.encoding != Instruction.LEGACY || !prior.hasMemoryOperand() || prior.reg != target) {
                    continue;
                }
                if (prior.isLegacy(Instruction.MAP_ONE, 0x63) && prior.memScale == 4 && prior.memIndex >= 0
                        && prior.memBase >= 0 && prior.memBase < 16 && ripLea[prior.memBase] != Long.MIN_VALUE) {
                    return new long[] {ripLea[prior.memBase], 4}; // movsxd r, [base + i*4]; add r, base
                }
                if (prior.isLegacy(Instruction.MAP_ONE, 0x8b) && prior.memBase == Instruction.NONE
                        && prior.memIndex >= 0 && prior.memScale == 8) {
                    return new long[] {prior.displacement & 0xffffffffL, 8}; // mov r, [i*8 + table]
                }
            }
            return null;
        }

        private boolean looksLikeTableDispatch(int index) {
            Instruction prior = new Instruction();
            for (int i = index - 1; i >= Math.max(0, index - 8); i--) {
                decodeInto(i, prior);
                if (prior.hasMemoryOperand() && prior.memIndex >= 0 && prior.memScale >= 4) {
                    return true;
                }
            }
            return false;
        }

        private void decodeInto(int index, Instruction into) {
            long a = addresses[index];
            X86Decoder.decode(elf.data(), (int) (a - delta), codeEnd, a, into);
        }
    }
}
