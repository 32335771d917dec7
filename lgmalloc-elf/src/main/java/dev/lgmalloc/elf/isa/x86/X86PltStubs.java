package dev.lgmalloc.elf.isa.x86;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.isa.PltStubs;

/**
 * The stubs of {@code .plt}, {@code .plt.sec} and {@code .plt.got}, found without index arithmetic: each stub
 * is the code from the end of the previous jump (padding skipped) to its own {@code jmp [rip+disp]}, and that
 * jump names the GOT slot. Lazy-binding stubs ({@code push n; jmp PLT0}) and IBT's {@code endbr64} fit too.
 */
final class X86PltStubs implements PltStubs {

    @Override
    public void decode(ElfFile elf, Section plt, Visitor visitor) {
        X86Instruction insn = new X86Instruction();
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
                    visitor.stub(stubStart, address, insn.ripTarget());
                }
                startsStub = true;
            }
            pos += length;
        }
    }

    private static boolean isNop(X86Instruction insn) {
        return insn.isLegacy(X86Instruction.MAP_ONE, 0x90) && insn.rexB == 0
                || insn.isLegacy(X86Instruction.MAP_0F, 0x1f);
    }

    private static boolean isJump(X86Instruction insn) {
        return insn.isLegacy(X86Instruction.MAP_ONE, 0xe9) || insn.isLegacy(X86Instruction.MAP_ONE, 0xeb)
                || insn.isLegacy(X86Instruction.MAP_ONE, 0xff) && insn.digit() == 4;
    }
}
