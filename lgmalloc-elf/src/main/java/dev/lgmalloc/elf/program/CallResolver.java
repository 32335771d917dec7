package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Relocations;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds out what call and jump instructions reach. Imports are resolved without index arithmetic: the
 * instruction set decodes every stub in the PLT sections ({@code .plt}, {@code .plt.sec}, {@code .plt.got} on
 * x86-64) and says which GOT slot it jumps through, and the slot is named by the relocation
 * ({@code JUMP_SLOT}, {@code GLOB_DAT}) at that offset. Calls through a GOT slot themselves ({@code -fno-plt})
 * use the same slot map; direct calls name a stub or a local function.
 */
public final class CallResolver {

    private final Functions functions;
    private final Map<Long, String> slots;
    private final Map<Long, String> stubs = new HashMap<>();

    public CallResolver(ElfFile elf, InstructionSet isa, Functions functions) {
        this.functions = functions;
        this.slots = Relocations.gotSlots(elf, functions.namesByAddress());
        for (Section s : elf.sections()) {
            if (s.isPlt() && s.isCode()) {
                isa.pltStubs().decode(elf, s, (stubStart, jump, slot) -> {
                    String name = slots.get(slot);
                    if (name != null) {
                        stubs.putIfAbsent(stubStart, name);
                        stubs.putIfAbsent(jump, name);
                    }
                });
            }
        }
    }

    /** How many PLT stubs were named. */
    public int stubCount() {
        return stubs.size();
    }

    /** The import a PLT stub at {@code address} jumps to, or null. */
    public String stubName(long address) {
        return stubs.get(address);
    }

    /** The import a GOT slot holds, or null. */
    public String slotName(long slot) {
        return slots.get(slot);
    }

    /**
     * What {@code insn}, inside function {@code current}, calls or tail-jumps to; null when it is no call, an
     * intra-function jump, or its target is not known.
     */
    public Callee resolve(Instruction insn, int current) {
        boolean call;
        switch (insn.flow()) {
            case CALL -> call = true;
            case JUMP, BRANCH -> call = false;
            case INDIRECT_CALL, INDIRECT_JUMP -> {
                if (!insn.hasTargetSlot()) {
                    return null;
                }
                String name = slots.get(insn.targetSlot());
                return name == null ? null : new Callee(name, -1, insn.flow() == Instruction.Flow.INDIRECT_JUMP);
            }
            default -> {
                return null;
            }
        }
        long target = insn.branchTarget;
        if (!call && current >= 0 && target >= functions.start(current) && target < functions.end(current)) {
            return null; // a jump inside the function
        }
        String stub = stubs.get(target);
        if (stub != null) {
            return new Callee(stub, -1, !call);
        }
        int f = functions.indexStartingAt(target);
        return f >= 0 ? new Callee(null, f, !call) : null;
    }
}
