package dev.lgmalloc.elf.isa;

import java.nio.ByteBuffer;

/**
 * Everything the analysis needs to know about one instruction set. Implementations are stateless and shared;
 * what is per function ({@link JumpTables}) or per instruction ({@link Instruction}) they create fresh.
 */
public interface InstructionSet {

    /** The name used in reports ({@code x86-64}). */
    String name();

    /** The ELF {@code e_machine} value of the instruction set. */
    int machine();

    /** A fresh instruction for {@link #decode} to fill. */
    Instruction newInstruction();

    /**
     * Decodes the instruction at {@code code[pos]} (virtual address {@code address}) into {@code into}, reading no
     * byte at or beyond {@code end}.
     *
     * @return its length, or 0 when the bytes are no valid instruction or run past {@code end}
     */
    int decode(ByteBuffer code, int pos, int end, long address, Instruction into);

    Semantics semantics();

    CallingConvention callingConvention();

    /** A jump-table finder for one function. */
    JumpTables newJumpTables();

    PltStubs pltStubs();
}
