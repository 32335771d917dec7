package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Relocations;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.x86.Instruction;
import dev.lgmalloc.elf.x86.X86Decoder;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds out what call and jump instructions reach. Imports are resolved without index arithmetic: every stub
 * in {@code .plt}, {@code .plt.sec} and {@code .plt.got} is decoded, the GOT slot of its {@code jmp [rip+disp]}
 * is taken, and the slot is named by the relocation ({@code JUMP_SLOT}, {@code GLOB_DAT}) at that offset.
 * {@code -fno-plt} calls ({@code call [rip+disp]}) use the same slot map; direct calls ({@code e8},
 * {@code 67 e8}) name a local function.
 */
public final class CallResolver {

    private final Functions functions;
    private final Map<Long, String> slots;
    private final Map<Long, String> stubs = new HashMap<>();
    private final ElfFile elf;

    public CallResolver(ElfFile elf, Functions functions) {
        this.elf = elf;
        this.functions = functions;
        this.slots = Relocations.gotSlots(elf, functions.namesByAddress());
        for (Section s : elf.sections()) {
            if (s.isPlt() && s.isCode()) {
                decodeStubs(s);
            }
        }
    }

    private void decodeStubs(Section plt) {
        Instruction insn = new Instruction();
        int pos = (int) plt.offset();
        int end = (int) (plt.offset() + plt.fileSize());
        long stubStart = plt.address();
        boolean startsStub = true;
        while (pos < end) {
            long address = plt.address() + (pos - plt.offset());
            int length = X86Decoder.decode(elf.data(), pos, end, address, insn);
            if (length == 0) {
                pos++;
                startsStub = true;
                continue;
            }
            if (startsStub && !isNop(insn)) {
                stubStart = address;
                startsStub = false;
            }
            if (isJump(insn)) {
                if (insn.isRipRelative()) {
                    String name = slots.get(insn.ripTarget());
                    if (name != null) {
                        stubs.putIfAbsent(stubStart, name);
                        stubs.putIfAbsent(address, name);
                    }
                }
                startsStub = true;
            }
            pos += length;
        }
    }

    private static boolean isNop(Instruction insn) {
        return insn.isLegacy(Instruction.MAP_ONE, 0x90) && insn.rexB == 0 || insn.isLegacy(Instruction.MAP_0F, 0x1f);
    }

    private static boolean isJump(Instruction insn) {
        return insn.isLegacy(Instruction.MAP_ONE, 0xe9) || insn.isLegacy(Instruction.MAP_ONE, 0xeb)
                || insn.isLegacy(Instruction.MAP_ONE, 0xff) && insn.digit() == 4;
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
        if (insn.encoding != Instruction.LEGACY) {
            return null;
        }
        boolean call;
        if (insn.map == Instruction.MAP_ONE) {
            int op = insn.opcode;
            if (op == 0xe8) {
                call = true;
            } else if (op == 0xe9 || op == 0xeb || op >= 0x70 && op <= 0x7f) {
                call = false;
            } else if (op == 0xff && (insn.digit() == 2 || insn.digit() == 4)) {
                if (!insn.isRipRelative()) {
                    return null;
                }
                String name = slots.get(insn.ripTarget());
                return name == null ? null : new Callee(name, -1, insn.digit() == 4);
            } else {
                return null;
            }
        } else if (insn.map == Instruction.MAP_0F && insn.opcode >= 0x80 && insn.opcode <= 0x8f) {
            call = false;
        } else {
            return null;
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
