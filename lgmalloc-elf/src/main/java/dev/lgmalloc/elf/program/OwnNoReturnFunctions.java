package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.isa.Instruction;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary's own functions that never return, like a {@code die()} or {@code usage()} that prints and calls
 * {@code exit}: a call of one ends its block, as a call of {@code abort} does ({@link NoReturnCalls}), so the
 * code after it is not a path from it.
 *
 * <p>A function (with its {@code .cold} parts, {@link FunctionParts}) never returns when none of its code can
 * leave it except through a function that never returns: no {@code ret}; no indirect jump, unless through a GOT
 * slot of a known one; every jump out of it goes to the start of a function that never returns; its last
 * instruction does not fall off its end (a call there must be of a function that never returns); and it calls
 * (or jumps to) at least one function that never returns, so that an infinite loop or code the sweep misread
 * does not count. The instructions are checked one by one, not path by path: a {@code ret} anywhere is enough to
 * keep a function returning. "Never returns" is then a least fixed point over the calls between own functions:
 * functions that only call each other in a cycle stay returning.
 */
public final class OwnNoReturnFunctions {

    /** How a function's last instruction ends it. */
    private static final int ENDS = -1;
    private static final int FALLS_OFF = -2;

    /** What the sweep over all code saw of each function's ways out. */
    public static final class Exits {
        private final Functions functions;
        private final CallResolver resolver;
        private final NoReturnCalls known;
        /** Functions with a way out that is surely a return: a {@code ret}, an indirect jump, undecodable bytes. */
        private final BitSet returns = new BitSet();
        /** Functions that call a function known by name never to return. */
        private final BitSet callsKnown = new BitSet();
        /** Own functions each function calls; any one that never returns ends the paths through that call. */
        private final Map<Integer, List<Integer>> callees = new HashMap<>();
        /** Targets of the direct jumps leaving each function (the group's other parts, tail calls, or worse). */
        private final Map<Integer, List<Long>> jumpsOut = new HashMap<>();
        /** Each function's last instruction: {@link #ENDS}, {@link #FALLS_OFF}, or the own function it calls. */
        private final Map<Integer, Integer> last = new HashMap<>();
        private int current = -1;
        private int lastKind = FALLS_OFF;

        public Exits(Functions functions, CallResolver resolver, NoReturnCalls known) {
            this.functions = functions;
            this.resolver = resolver;
            this.known = known;
        }

        /** The sweep starts decoding function {@code f}. */
        public void startFunction(int f) {
            current = f;
            lastKind = FALLS_OFF;
        }

        /** Bytes the sweep could not decode: nothing is known of the function's ways out. */
        public void undecodable() {
            returns.set(current);
        }

        /** The next instruction of the current function. */
        public void observe(Instruction insn) {
            if (insn.isPadding()) {
                return; // alignment after the last instruction (a range from a symbol without size) is never run
            }
            lastKind = FALLS_OFF;
            switch (insn.flow()) {
                case STOP -> {
                    if (insn.isReturn()) {
                        returns.set(current);
                    }
                    lastKind = ENDS;
                }
                case INDIRECT_JUMP -> {
                    String target = insn.hasTargetSlot() ? resolver.slotName(insn.targetSlot()) : null;
                    if (target != null && NoReturnCalls.isNoReturn(target)) {
                        callsKnown.set(current);
                    } else {
                        returns.set(current); // a jump table or a tail call: either may lead to a ret
                    }
                    lastKind = ENDS;
                }
                case JUMP, BRANCH, COUNTER_BRANCH -> {
                    if (insn.relativeBranch && (insn.branchTarget < functions.start(current)
                            || insn.branchTarget >= functions.end(current))) {
                        jumpsOut.computeIfAbsent(current, k -> new ArrayList<>()).add(insn.branchTarget);
                    }
                    lastKind = insn.flow() == Instruction.Flow.JUMP ? ENDS : FALLS_OFF;
                }
                case CALL, INDIRECT_CALL -> {
                    Callee c = resolver.resolve(insn, current);
                    if (known.endsPath(c)) {
                        callsKnown.set(current);
                        lastKind = ENDS;
                    } else if (c != null && !c.isImport()) {
                        callees.computeIfAbsent(current, k -> new ArrayList<>()).add(c.function());
                        lastKind = c.function();
                    }
                }
                case NEXT -> {
                }
            }
        }

        /** The sweep is past the current function's last instruction. */
        public void endFunction() {
            if (returns.get(current)) { // most functions: forget what no longer matters
                callees.remove(current);
                jumpsOut.remove(current);
            } else {
                last.put(current, lastKind);
            }
        }
    }

    private OwnNoReturnFunctions() {
    }

    /** The own functions (roots of their groups) that never return, by index. */
    public static BitSet find(Exits exits, FunctionParts parts) {
        Functions functions = exits.functions;
        List<Integer> candidates = new ArrayList<>();
        for (int f = 0; f < functions.count(); f++) {
            if (parts.root(f) == f && exits.last.containsKey(f) && !anyMemberReturns(exits, parts, f)) {
                candidates.add(f);
            }
        }
        BitSet never = new BitSet();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int f : candidates) {
                if (!never.get(f) && neverReturns(exits, parts, f, never)) {
                    never.set(f);
                    changed = true;
                }
            }
        }
        return never;
    }

    private static boolean anyMemberReturns(Exits exits, FunctionParts parts, int root) {
        for (int part : parts.partsOf(root)) {
            if (!exits.last.containsKey(part)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the group of {@code root} never returns, given the functions already known not to. */
    private static boolean neverReturns(Exits exits, FunctionParts parts, int root, BitSet never) {
        long[][] ranges = parts.ranges(root);
        boolean endsSomewhere = false;
        int[] others = parts.partsOf(root);
        for (int k = -1; k < others.length; k++) {
            int member = k < 0 ? root : others[k];
            int lastKind = exits.last.get(member);
            if (lastKind == FALLS_OFF || lastKind >= 0 && !isNoReturn(exits, lastKind, never)) {
                return false;
            }
            for (long target : exits.jumpsOut.getOrDefault(member, List.of())) {
                if (inside(ranges, target)) {
                    continue;
                }
                String stub = exits.resolver.stubName(target);
                int g = exits.functions.indexStartingAt(target);
                boolean tailCallOfNoReturn = stub != null ? NoReturnCalls.isNoReturn(stub)
                        : g >= 0 && isNoReturn(exits, g, never);
                if (!tailCallOfNoReturn) {
                    return false;
                }
                endsSomewhere = true;
            }
            endsSomewhere |= exits.callsKnown.get(member);
            for (int g : exits.callees.getOrDefault(member, List.of())) {
                endsSomewhere |= isNoReturn(exits, g, never);
            }
        }
        return endsSomewhere;
    }

    private static boolean isNoReturn(Exits exits, int f, BitSet never) {
        return never.get(f) || exits.known.isNamedNoReturn(f);
    }

    private static boolean inside(long[][] ranges, long address) {
        for (long[] r : ranges) {
            if (address >= r[0] && address < r[1]) {
                return true;
            }
        }
        return false;
    }
}
