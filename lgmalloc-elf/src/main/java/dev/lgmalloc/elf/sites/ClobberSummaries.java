package dev.lgmalloc.elf.sites;

import dev.lgmalloc.elf.dataflow.CallEffects;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.program.CallResolver;
import dev.lgmalloc.elf.program.Callee;
import dev.lgmalloc.elf.program.Functions;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Which registers a call to a function of this binary really changes. GCC's interprocedural register
 * allocation keeps values in caller-saved registers across calls to local functions that leave them alone, so
 * the ABI's "every caller-saved register dies" loses constants. A direct call to a local function cannot be
 * interposed, so the callee's own code (and, transitively, its callees') decides. Imports, indirect calls, jumps
 * out of the function that are not tail calls, and deep or recursive chains fall back to the ABI.
 */
final class ClobberSummaries implements CallEffects {

    private static final int MAX_DEPTH = 6;
    private static final long MAX_FUNCTION_BYTES = 4096;
    private static final int IN_PROGRESS = -1;

    private final ElfFile elf;
    private final InstructionSet isa;
    /** Every caller-saved register: what the calling convention allows any callee to change. */
    private final int all;
    private final Functions functions;
    private final CallResolver resolver;
    private final Map<Integer, Integer> masks = new HashMap<>();

    ClobberSummaries(ElfFile elf, InstructionSet isa, Functions functions, CallResolver resolver) {
        this.elf = elf;
        this.isa = isa;
        this.all = isa.callingConvention().callerSavedMask();
        this.functions = functions;
        this.resolver = resolver;
    }

    @Override
    public int clobbered(Instruction call) {
        Callee c = resolver.resolve(call, -1);
        if (c == null || c.isImport()) {
            return all;
        }
        return summary(c.function(), 0);
    }

    private int summary(int f, int depth) {
        Integer known = masks.get(f);
        if (known != null) {
            return known == IN_PROGRESS ? all : known;
        }
        if (depth > MAX_DEPTH || functions.end(f) - functions.start(f) > MAX_FUNCTION_BYTES) {
            return all;
        }
        masks.put(f, IN_PROGRESS);
        int mask = compute(f, depth);
        masks.put(f, mask);
        return mask;
    }

    private int compute(int f, int depth) {
        Section s = elf.codeSectionAt(functions.start(f));
        if (s == null) {
            return all;
        }
        long delta = s.address() - s.offset();
        int end = (int) (functions.end(f) - delta);
        int codeEnd = (int) (s.offset() + s.fileSize());
        Instruction insn = isa.newInstruction();
        int mask = 0;
        for (int pos = (int) (functions.start(f) - delta); pos < end; ) {
            int len = isa.decode(elf.data(), pos, codeEnd, pos + delta, insn);
            if (len == 0) {
                return all;
            }
            pos += len;
            Instruction.Flow flow = insn.flow();
            boolean indirect = flow == Instruction.Flow.INDIRECT_CALL || flow == Instruction.Flow.INDIRECT_JUMP;
            if (indirect && !insn.hasTargetSlot()) {
                return all; // indirect call or jump: anything may run
            }
            if (insn.relativeBranch || indirect) {
                boolean inside = insn.relativeBranch && insn.branchTarget >= functions.start(f)
                        && insn.branchTarget < functions.end(f);
                if (!inside) {
                    Callee c = resolver.resolve(insn, f);
                    if (c == null || c.isImport()) {
                        return all;
                    }
                    mask |= summary(c.function(), depth + 1);
                    if (mask == all) {
                        return all;
                    }
                    continue;
                }
            }
            mask |= isa.semantics().writtenRegisters(insn) & all;
        }
        return mask;
    }
}
