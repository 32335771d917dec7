package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.elf.isa.CallingConvention;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.Semantics;
import java.util.BitSet;

/**
 * Forward reaching-constants analysis over a {@link FunctionCfg}. States join at merge points; at the target
 * of a back edge every register or slot whose value changed around the loop becomes unknown, so a value that
 * undergoes arithmetic in a loop is never reported as a constant. Blocks the CFG shows no way into (reached
 * through unrecovered indirect jumps, say) and blocks other functions' code jumps into (a {@code .cold} part
 * returning to the hot one) start from an unknown state.
 */
public final class ConstantPropagation {

    /** Receives the state in force just before each instruction, once the fixpoint is reached (not to be changed). */
    public interface Observer {
        void before(Instruction insn, MachineState state, int loopDepth);
    }

    /** What the analysis concluded about the function as a whole. */
    public record Outcome(boolean sound, String problem) {
    }

    private static final int ITERATIONS_PER_BLOCK = 64;

    private ConstantPropagation() {
    }

    /** Runs the analysis and then replays every reachable block through {@code observer}. */
    public static Outcome run(FunctionCfg cfg, CallEffects calls, Observer observer) {
        if (cfg.problem != null) {
            return new Outcome(false, cfg.problem);
        }
        int blocks = cfg.blockCount();
        Semantics semantics = cfg.isa.semantics();
        CallingConvention convention = cfg.isa.callingConvention();
        int registers = convention.registerCount();
        MachineState[] in = new MachineState[blocks];
        in[0] = MachineState.entry(convention);
        BitSet work = new BitSet(blocks);
        work.set(0);
        for (int b = 1; b < blocks; b++) {
            if (!cfg.hasPredecessor[b] && !cfg.isPadding(b) || cfg.enteredFromOutside[b]) {
                in[b] = MachineState.unknown(registers);
                work.set(b);
            }
        }
        if (cfg.enteredFromOutside[0]) {
            in[0] = MachineState.unknown(registers);
        }
        Instruction insn = cfg.isa.newInstruction();
        long budget = (long) ITERATIONS_PER_BLOCK * blocks + 1000;
        while (!work.isEmpty()) {
            if (--budget < 0) {
                return new Outcome(false, "dataflow did not converge");
            }
            int b = work.nextSetBit(0);
            work.clear(b);
            MachineState s = in[b].copy();
            for (int i = cfg.blockStarts[b]; i < cfg.blockEnd(b); i++) {
                cfg.decode(i, insn);
                semantics.apply(insn, s, calls);
            }
            int zeroTarget = zeroBranchTarget(cfg, b, insn, s);
            for (int t : cfg.successors[b]) {
                MachineState out = s;
                if (zeroTarget >= 0) { // the taken edge knows the tested value is zero, the other that it is not
                    out = s.copy();
                    out.fact = ZeroFact.of(s.zeroTestedValue, t == zeroTarget);
                }
                // States stored in `in` are never changed (every visit and replay copies first), so the first
                // state to reach a block can be shared rather than copied.
                MachineState merged = in[t] == null ? out
                        : MachineState.join(in[t], out, t <= b && cfg.loopHeader[t]);
                if (in[t] == null || !merged.sameAs(in[t])) {
                    in[t] = merged;
                    work.set(t);
                }
            }
        }
        for (int j : cfg.unresolvedIndirectJumps) {
            MachineState s = stateBefore(cfg, in, j, insn, calls);
            Value stackPointer = s == null ? null : s.registers[convention.stackPointer()];
            if (s != null && !(stackPointer.isFrame() && stackPointer.frameOffset() == 0)) {
                return new Outcome(false, String.format("indirect jump at 0x%x with its stack frame still in place",
                        cfg.addresses[j]));
            }
        }
        for (int b = 0; b < blocks; b++) {
            if (in[b] == null) {
                continue;
            }
            MachineState s = in[b].copy();
            for (int i = cfg.blockStarts[b]; i < cfg.blockEnd(b); i++) {
                cfg.decode(i, insn);
                observer.before(insn, s, cfg.loopDepth[b]);
                semantics.apply(insn, s, calls);
            }
        }
        return new Outcome(true, null);
    }

    /**
     * For a block ending in a branch on a zero test of an argument ({@code je}/{@code jne} after {@code test}),
     * with distinct taken and fall-through successors: the successor reached when the value is zero; otherwise -1.
     */
    private static int zeroBranchTarget(FunctionCfg cfg, int b, Instruction last, MachineState s) {
        if (s.zeroTestedValue == null || cfg.successors[b].length != 2 || !last.relativeBranch) {
            return -1;
        }
        Instruction.ZeroTest test = last.zeroTest();
        if (test == Instruction.ZeroTest.NONE || ZeroFact.of(s.zeroTestedValue, true) == null) {
            return -1;
        }
        int taken = cfg.blockAt(last.branchTarget);
        int fallThrough = b + 1;
        int[] successors = cfg.successors[b];
        boolean both = successors[0] == taken && successors[1] == fallThrough
                || successors[1] == taken && successors[0] == fallThrough;
        if (taken < 0 || taken == fallThrough || !both) {
            return -1;
        }
        return test == Instruction.ZeroTest.JUMPS_IF_ZERO ? taken : fallThrough;
    }

    private static MachineState stateBefore(FunctionCfg cfg, MachineState[] in, int index, Instruction insn,
                                            CallEffects calls) {
        for (int b = cfg.blockCount() - 1; b >= 0; b--) {
            if (cfg.blockStarts[b] <= index) {
                if (in[b] == null) {
                    return null;
                }
                MachineState s = in[b].copy();
                for (int i = cfg.blockStarts[b]; i < index; i++) {
                    cfg.decode(i, insn);
                    cfg.isa.semantics().apply(insn, s, calls);
                }
                return s;
            }
        }
        return null;
    }
}
