package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.graph.LoopDepth;
import dev.lgmalloc.analysis.graph.ReversePostorder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A method's instructions split into basic blocks, with normal and exception edges, a reverse post-order,
 * and the loop depth of every instruction (from natural loops: back-edges to a dominating header).
 */
public final class ControlFlowGraph {

    /** One exception handler: the instructions it covers and where it starts. */
    record Handler(int startIndex, int endIndex, int handlerIndex, String catchType) {
    }

    private final Instruction[] instructions;
    private final int[] bcis;
    private final int[] lines;
    private final int[] blockOf;        // block index of each instruction
    private final int[] blockStart;     // first instruction index of each block
    private final int[][] successors;   // normal successors per block, distinct
    private final int[][] targetBlocks; // per block: the blocks of targets(last instruction), in that order
    private final int[] fallThrough;    // per block: the block after it when control can fall through, else -1
    private final int[][] handlerBlocks; // exception handler blocks covering any instruction of the block
    private final List<List<Handler>> handlersAt; // per instruction: handlers covering it
    private final int[] rpo;            // reverse post-order index per block, -1 when unreachable
    private final int[] loopDepth;      // per block

    private ControlFlowGraph(Instruction[] instructions, int[] bcis, int[] lines, int[] blockOf, int[] blockStart,
                             int[][] successors, int[][] targetBlocks, int[] fallThrough, int[][] handlerBlocks,
                             List<List<Handler>> handlersAt) {
        this.instructions = instructions;
        this.bcis = bcis;
        this.lines = lines;
        this.blockOf = blockOf;
        this.blockStart = blockStart;
        this.successors = successors;
        this.targetBlocks = targetBlocks;
        this.fallThrough = fallThrough;
        this.handlerBlocks = handlerBlocks;
        this.handlersAt = handlersAt;
        int[][] edges = normalAndExceptionEdges(successors, handlerBlocks);
        this.rpo = ReversePostorder.ranks(ReversePostorder.of(edges), edges.length);
        this.loopDepth = LoopDepth.of(withoutUnreachable(edges, rpo));
    }

    /**
     * Builds the graph of {@code code}; malformed control flow throws {@link BadCodeException}. It runs once per
     * interpreted method, in the agent before main too: plain loops, no lambdas, streams or pattern switches,
     * each of which is a class the cold JVM spins on first use.
     */
    public static ControlFlowGraph of(CodeAttribute code) {
        List<Instruction> insns = new ArrayList<>();
        List<Integer> bciList = new ArrayList<>();
        List<Integer> lineList = new ArrayList<>();
        int bci = 0;
        int line = -1;
        for (CodeElement e : code) {
            if (e instanceof LineNumber ln) {
                line = ln.line();
            } else if (e instanceof Instruction insn) {
                insns.add(insn);
                bciList.add(bci);
                lineList.add(line);
                bci += insn.sizeInBytes();
            }
        }
        int n = insns.size();
        if (n == 0) {
            throw new BadCodeException("empty code");
        }
        Instruction[] instructions = insns.toArray(new Instruction[0]);
        int[] bcis = toIntArray(bciList);
        int[] lines = toIntArray(lineList);
        Map<Integer, Integer> indexOfBci = new HashMap<>();
        for (int i = 0; i < n; i++) {
            indexOfBci.put(bcis[i], i);
        }
        IndexResolver at = new IndexResolver(code, indexOfBci, bci(bcis, n, instructions), n);

        BitSet leaders = new BitSet(n);
        leaders.set(0);
        for (int i = 0; i < n; i++) {
            Instruction insn = instructions[i];
            for (Label target : targets(insn)) {
                leaders.set(checkedTarget(at.index(target), n));
            }
            if (endsBlock(insn) && i + 1 < n) {
                leaders.set(i + 1);
            }
        }
        List<Handler> handlers = new ArrayList<>();
        for (ExceptionCatch ec : code.exceptionHandlers()) {
            int start = at.index(ec.tryStart());
            int end = at.index(ec.tryEnd());
            int handler = checkedTarget(at.index(ec.handler()), n);
            String type = ec.catchType().isPresent() ? ec.catchType().get().asInternalName() : "java/lang/Throwable";
            handlers.add(new Handler(start, end, handler, type));
            leaders.set(handler);
        }

        int blocks = leaders.cardinality();
        int[] blockStart = new int[blocks];
        int[] blockOf = new int[n];
        int b = -1;
        for (int i = 0; i < n; i++) {
            if (leaders.get(i)) {
                blockStart[++b] = i;
            }
            blockOf[i] = b;
        }
        List<List<Handler>> handlersAt = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Handler> covering = new ArrayList<>(0);
            for (Handler h : handlers) {
                if (i >= h.startIndex() && i < h.endIndex()) {
                    covering.add(h);
                }
            }
            handlersAt.add(covering);
        }
        int[][] successors = new int[blocks][];
        int[][] targetBlocks = new int[blocks][];
        int[] fallThrough = new int[blocks];
        int[][] handlerBlocks = new int[blocks][];
        for (int blk = 0; blk < blocks; blk++) {
            int last = (blk + 1 < blocks ? blockStart[blk + 1] : n) - 1;
            Instruction insn = instructions[last];
            List<Integer> succ = new ArrayList<>();
            for (Label target : targets(insn)) {
                succ.add(blockOf[at.index(target)]);
            }
            targetBlocks[blk] = toIntArray(succ);
            fallThrough[blk] = -1;
            if (!endsFlow(insn)) {
                if (last + 1 >= n) {
                    throw new BadCodeException("execution falls off the end of the code");
                }
                fallThrough[blk] = blockOf[last + 1];
                succ.add(blockOf[last + 1]);
            }
            successors[blk] = distinct(toIntArray(succ));
            BitSet hs = new BitSet();
            for (int i = blockStart[blk]; i <= last; i++) {
                for (Handler h : handlersAt.get(i)) {
                    hs.set(blockOf[h.handlerIndex()]);
                }
            }
            handlerBlocks[blk] = setBits(hs);
        }
        return new ControlFlowGraph(instructions, bcis, lines, blockOf, blockStart, successors, targetBlocks,
                fallThrough, handlerBlocks, handlersAt);
    }

    private static int bci(int[] bcis, int n, Instruction[] insns) {
        return bcis[n - 1] + insns[n - 1].sizeInBytes();
    }

    /** The index of the instruction a label points at ({@code n} for the end of the code). */
    private static final class IndexResolver {

        private final CodeAttribute code;
        private final Map<Integer, Integer> indexOfBci;
        private final int endBci;
        private final int n;

        IndexResolver(CodeAttribute code, Map<Integer, Integer> indexOfBci, int endBci, int n) {
            this.code = code;
            this.indexOfBci = indexOfBci;
            this.endBci = endBci;
            this.n = n;
        }

        int index(Label label) {
            int target = code.labelToBci(label);
            Integer index = target == endBci ? Integer.valueOf(n) : indexOfBci.get(target);
            if (index == null) {
                throw new BadCodeException("label at bci " + target + " is not an instruction boundary");
            }
            return index;
        }
    }

    private static int[] toIntArray(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    /** The values of {@code a} without repeats, each where it first occurs. */
    private static int[] distinct(int[] a) {
        int[] out = new int[a.length];
        int n = 0;
        outer:
        for (int v : a) {
            for (int i = 0; i < n; i++) {
                if (out[i] == v) {
                    continue outer;
                }
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] setBits(BitSet bits) {
        int[] out = new int[bits.cardinality()];
        int n = 0;
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            out[n++] = i;
        }
        return out;
    }

    private static int checkedTarget(int index, int n) {
        if (index >= n) {
            throw new BadCodeException("jump past the end of the code");
        }
        return index;
    }

    /** The branch, switch or handler targets of an instruction. */
    static List<Label> targets(Instruction insn) {
        if (insn instanceof BranchInstruction br) {
            return List.of(br.target());
        } else if (insn instanceof TableSwitchInstruction ts) {
            return withDefault(ts.defaultTarget(), ts.cases());
        } else if (insn instanceof LookupSwitchInstruction ls) {
            return withDefault(ls.defaultTarget(), ls.cases());
        }
        return List.of();
    }

    private static List<Label> withDefault(Label defaultTarget, List<SwitchCase> cases) {
        List<Label> all = new ArrayList<>(cases.size() + 1);
        all.add(defaultTarget);
        for (SwitchCase c : cases) {
            all.add(c.target());
        }
        return all;
    }

    private static boolean endsBlock(Instruction insn) {
        return insn instanceof BranchInstruction || insn instanceof TableSwitchInstruction
                || insn instanceof LookupSwitchInstruction || endsFlow(insn);
    }

    /** Whether control never falls through to the next instruction. */
    static boolean endsFlow(Instruction insn) {
        if (insn instanceof DiscontinuedInstruction) {
            throw new BadCodeException("jsr/ret subroutines are not supported");
        }
        return insn instanceof ReturnInstruction || insn instanceof ThrowInstruction
                || insn instanceof TableSwitchInstruction || insn instanceof LookupSwitchInstruction
                || (insn instanceof BranchInstruction br
                    && (br.opcode() == Opcode.GOTO || br.opcode() == Opcode.GOTO_W));
    }

    // ---- orders and loops ----

    /** Per block, its normal successors and then its handlers: a handler is part of the loop its try covers. */
    private static int[][] normalAndExceptionEdges(int[][] successors, int[][] handlerBlocks) {
        int[][] edges = new int[successors.length][];
        for (int blk = 0; blk < successors.length; blk++) {
            edges[blk] = allSuccessors(successors[blk], handlerBlocks[blk]);
        }
        return edges;
    }

    /** The edges with those of unreachable blocks removed, so that dead code jumping into a loop never joins it. */
    private static int[][] withoutUnreachable(int[][] edges, int[] rpo) {
        int[][] reachable = edges.clone();
        for (int blk = 0; blk < reachable.length; blk++) {
            if (rpo[blk] < 0) {
                reachable[blk] = new int[0];
            }
        }
        return reachable;
    }

    private static int[] allSuccessors(int[] successors, int[] handlers) {
        if (handlers.length == 0) {
            return successors;
        }
        int[] all = Arrays.copyOf(successors, successors.length + handlers.length);
        System.arraycopy(handlers, 0, all, successors.length, handlers.length);
        return all;
    }

    // ---- accessors ----

    int instructionCount() {
        return instructions.length;
    }

    Instruction instruction(int index) {
        return instructions[index];
    }

    int bci(int index) {
        return bcis[index];
    }

    int line(int index) {
        return lines[index];
    }

    int blockCount() {
        return blockStart.length;
    }

    int blockStart(int blk) {
        return blockStart[blk];
    }

    int blockEnd(int blk) {
        return blk + 1 < blockStart.length ? blockStart[blk + 1] : instructions.length;
    }

    int blockOf(int index) {
        return blockOf[index];
    }

    int[] successors(int blk) {
        return successors[blk];
    }

    /** The blocks of the last instruction's branch or switch targets, in {@link #targets} order. */
    int[] targetBlocks(int blk) {
        return targetBlocks[blk];
    }

    /** The block control falls through to after {@code blk}, or -1. */
    int fallThrough(int blk) {
        return fallThrough[blk];
    }

    List<Handler> handlersAt(int index) {
        return handlersAt.get(index);
    }

    /** Reverse post-order index of a block, or -1 when no path reaches it. */
    int order(int blk) {
        return rpo[blk];
    }

    /** How many loops enclose instruction {@code index}. */
    public int loopDepth(int index) {
        return loopDepth[blockOf[index]];
    }
}
