package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Forward abstract interpretation of one method: a worklist over basic blocks in reverse post-order, joining
 * states where paths meet (branch targets, exception handlers) and widening changed values to unknown on loop
 * back-edges. Once the states are stable, every reachable block is replayed once and its invokes reported to a
 * {@link MethodObserver}; invokes in unreachable blocks are reported as unreachable.
 */
public final class MethodInterpreter {

    /** Block visits allowed per block before the analysis gives up on a method (it converges far sooner). */
    private static final int VISITS_PER_BLOCK = 64;

    private final InterpreterContext context;

    public MethodInterpreter(InterpreterContext context) {
        this.context = context;
    }

    /**
     * Interprets {@code method} of class {@code className}.
     *
     * @param parameters  the value of each declared parameter (not the receiver), or null for unknown; whatever
     *                    is given, parameter i's value is marked as depending on parameter i
     * @param ownStatics  the class's static fields to track, for a {@code <clinit>}; null otherwise
     * @throws BadCodeException when the code is malformed or not supported
     */
    public void interpret(String className, MethodModel method, Value[] parameters, OwnStatics ownStatics,
                          MethodObserver observer) {
        CodeAttribute code = method.code().isPresent() ? (CodeAttribute) method.code().get() : null;
        if (code == null) {
            return;
        }
        ControlFlowGraph cfg = ControlFlowGraph.of(code);
        Frame entry = entryFrame(className, method, code, parameters, ownStatics);
        Frame[] states = fixpoint(cfg, entry, className, ownStatics);
        replay(cfg, states, className, ownStatics, observer);
    }

    private static Frame entryFrame(String className, MethodModel method, CodeAttribute code, Value[] parameters,
                                    OwnStatics ownStatics) {
        Frame f = new Frame(code.maxLocals(), code.maxStack(), ownStatics == null ? -1 : ownStatics.size());
        int slot = 0;
        if (!method.flags().has(AccessFlag.STATIC)) {
            f.setLocal(slot++, Value.ref(className));
        }
        MethodTypeDesc type = method.methodTypeSymbol();
        for (int i = 0; i < type.parameterCount(); i++) {
            ClassDesc p = type.parameterType(i);
            Value v = parameters != null && i < parameters.length && parameters[i] != null ? parameters[i]
                    : unknownOf(p);
            v = v.withDeps(Value.paramBit(i));
            f.setLocal(slot, v);
            slot += v.kind().slots();
        }
        if (ownStatics != null) {
            for (int i = 0; i < ownStatics.size(); i++) {
                f.setStaticField(i, ownStatics.initialValue(i));
            }
        }
        return f;
    }

    private Frame[] fixpoint(ControlFlowGraph cfg, Frame entry, String className, OwnStatics ownStatics) {
        int blocks = cfg.blockCount();
        Frame[] states = new Frame[blocks];
        int[] blockAtOrder = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            if (cfg.order(b) >= 0) {
                blockAtOrder[cfg.order(b)] = b;
            }
        }
        states[0] = entry;
        BitSet pending = new BitSet(blocks);
        pending.set(cfg.order(0));
        long budget = (long) VISITS_PER_BLOCK * blocks + 1000;
        Transfer transfer = new Transfer(context, className, ownStatics, null);
        for (int next = pending.nextSetBit(0); next >= 0; next = pending.nextSetBit(0)) {
            pending.clear(next);
            if (--budget < 0) {
                throw new BadCodeException("no fixpoint within " + VISITS_PER_BLOCK + " visits per block");
            }
            int blk = blockAtOrder[next];
            Frame f = states[blk].copy();
            int end = cfg.blockEnd(blk);
            for (int i = cfg.blockStart(blk); i < end; i++) {
                for (ControlFlowGraph.Handler h : cfg.handlersAt(i)) {
                    int target = cfg.blockOf(h.handlerIndex());
                    flow(cfg, states, pending, blk, target, f.forHandler(Value.ref(h.catchType())));
                }
                Instruction insn = cfg.instruction(i);
                boolean[] ways = i == end - 1 ? outcomes(insn, f) : null;
                transfer.execute(f, insn, cfg.bci(i), cfg.line(i), cfg.loopDepth(i));
                if (i == end - 1) {
                    for (int target : feasibleSuccessors(cfg, blk, insn, ways)) {
                        flow(cfg, states, pending, blk, target, f);
                    }
                }
            }
        }
        return states;
    }

    private static void flow(ControlFlowGraph cfg, Frame[] states, BitSet pending, int from, int to, Frame state) {
        if (states[to] == null) {
            states[to] = state.copy();
            pending.set(cfg.order(to));
        } else if (states[to].mergeFrom(state, cfg.order(to) <= cfg.order(from))) {
            pending.set(cfg.order(to));
        }
    }

    /**
     * For the last instruction of a block, which of its targets are feasible: for a conditional branch
     * {@code [jump, fallThrough]}, for a switch one flag per {@link ControlFlowGraph#targets} entry. Null means
     * all. Only facts that cannot change at run time prune a path, so no prediction rests on a pruned branch.
     */
    private static boolean[] outcomes(Instruction insn, Frame f) {
        // instanceof tests, not a pattern switch: each pattern switch is a class a cold JVM spins on first use.
        if (insn instanceof BranchInstruction br && br.opcode() != Opcode.GOTO && br.opcode() != Opcode.GOTO_W) {
            boolean twoOperands = br.opcode().name().startsWith("IF_");
            Value b = twoOperands ? f.peek(0) : null;
            Value a = twoOperands ? f.peek(1) : f.peek(0);
            return certain(a) && (b == null || certain(b)) ? Arithmetic.branchOutcomes(br.opcode(), a, b) : null;
        } else if (insn instanceof TableSwitchInstruction ts) {
            return switchOutcomes(f.peek(0), ts.cases());
        } else if (insn instanceof LookupSwitchInstruction ls) {
            return switchOutcomes(f.peek(0), ls.cases());
        }
        return null;
    }

    private static boolean certain(Value v) {
        return v.hasConstants() && v.reliability() >= 1 && v.deps() == 0;
    }

    private static boolean[] switchOutcomes(Value key, List<SwitchCase> cases) {
        if (!certain(key)) {
            return null;
        }
        boolean[] feasible = new boolean[cases.size() + 1];
        for (long k : key.constants().values()) {
            int matched = 0; // index 0 is the default target
            for (int c = 0; c < cases.size(); c++) {
                if (cases.get(c).caseValue() == k) {
                    matched = c + 1;
                    break;
                }
            }
            feasible[matched] = true;
        }
        return feasible;
    }

    private static List<Integer> feasibleSuccessors(ControlFlowGraph cfg, int blk, Instruction last, boolean[] ways) {
        List<Integer> out = new ArrayList<>();
        if (ways == null) {
            for (int s : cfg.successors(blk)) {
                out.add(s);
            }
            return out;
        }
        int[] targets = cfg.targetBlocks(blk);
        if (last instanceof BranchInstruction) {
            if (ways[0]) {
                out.add(targets[0]);
            }
            if (ways[1] && cfg.fallThrough(blk) >= 0) {
                out.add(cfg.fallThrough(blk));
            }
        } else {
            for (int t = 0; t < targets.length; t++) {
                if (ways[t]) {
                    out.add(targets[t]);
                }
            }
        }
        return out;
    }

    private void replay(ControlFlowGraph cfg, Frame[] states, String className, OwnStatics ownStatics,
                        MethodObserver observer) {
        Transfer transfer = new Transfer(context, className, ownStatics, observer);
        for (int blk = 0; blk < cfg.blockCount(); blk++) {
            int end = cfg.blockEnd(blk);
            if (states[blk] == null) {
                for (int i = cfg.blockStart(blk); i < end; i++) {
                    if (cfg.instruction(i) instanceof InvokeInstruction inv) {
                        observer.invoke(new InvokeEvent(inv, cfg.bci(i), cfg.line(i), cfg.loopDepth(i), List.of(),
                                false));
                    }
                }
                continue;
            }
            Frame f = states[blk].copy();
            for (int i = cfg.blockStart(blk); i < end; i++) {
                transfer.execute(f, cfg.instruction(i), cfg.bci(i), cfg.line(i), cfg.loopDepth(i));
            }
        }
    }

    /** The unknown value of a parameter, field or result of type {@code type}. */
    static Value unknownOf(ClassDesc type) {
        TypeKind kind = TypeKind.from(type);
        if (kind == TypeKind.REFERENCE) {
            return Value.ref(internalName(type));
        }
        return Value.unknown(Kind.of(kind));
    }

    /** {@code java/lang/String} for a class, the descriptor for an array. */
    static String internalName(ClassDesc type) {
        String d = type.descriptorString();
        return d.startsWith("L") ? d.substring(1, d.length() - 1) : d;
    }
}
