package dev.lgmalloc.elf.isa.x86;

import dev.lgmalloc.elf.isa.CallingConvention;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import dev.lgmalloc.elf.isa.JumpTables;
import dev.lgmalloc.elf.isa.PltStubs;
import dev.lgmalloc.elf.isa.Semantics;
import java.nio.ByteBuffer;

/** x86-64 in 64-bit mode, with the System V calling convention. */
public final class X86 implements InstructionSet {

    /** ELF {@code e_machine} of x86-64. */
    public static final int EM_X86_64 = 62;

    public static final X86 INSTANCE = new X86();

    /** Arguments in rdi, rsi, rdx, rcx, r8, r9; a call may change all of those, rax, r10 and r11. */
    public static final CallingConvention SYSTEM_V = new CallingConvention(X86Registers.NAMES, X86Registers.RSP,
            X86Registers.ARGUMENTS, X86Registers.CALLER_SAVED);

    private final X86Semantics semantics = new X86Semantics();
    private final X86PltStubs pltStubs = new X86PltStubs();

    private X86() {
    }

    @Override
    public String name() {
        return "x86-64";
    }

    @Override
    public int machine() {
        return EM_X86_64;
    }

    @Override
    public Instruction newInstruction() {
        return new X86Instruction();
    }

    @Override
    public int decode(ByteBuffer code, int pos, int end, long address, Instruction into) {
        return X86Decoder.decode(code, pos, end, address, (X86Instruction) into);
    }

    @Override
    public Semantics semantics() {
        return semantics;
    }

    @Override
    public CallingConvention callingConvention() {
        return SYSTEM_V;
    }

    @Override
    public JumpTables newJumpTables() {
        return new X86JumpTables();
    }

    @Override
    public PltStubs pltStubs() {
        return pltStubs;
    }
}
