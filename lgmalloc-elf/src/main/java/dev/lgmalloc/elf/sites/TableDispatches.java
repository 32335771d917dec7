package dev.lgmalloc.elf.sites;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import dev.lgmalloc.elf.isa.JumpTables;
import java.util.function.LongConsumer;

/**
 * The jump tables met in the linear sweep over all code, so that a switch whose cases GCC moved into a
 * {@code .cold} part counts as jumps into that part. Only tables with a bounds check are read: without one the
 * end of the table is a guess, and a guessed entry would be taken for a jump from this function into another.
 */
final class TableDispatches {

    /** Instructions remembered for the look-back of {@link JumpTables#find}; a power of two. */
    private static final int WINDOW = 32;

    private final ElfFile elf;
    private final InstructionSet isa;
    private final long[] recent = new long[WINDOW];
    private JumpTables tables;
    private int index;
    private long delta;
    private int codeEnd;

    TableDispatches(ElfFile elf, InstructionSet isa) {
        this.elf = elf;
        this.isa = isa;
    }

    /** Starts a function whose code has file offset = address - {@code delta}, in a section ending at {@code codeEnd}. */
    void startFunction(long delta, int codeEnd) {
        this.tables = isa.newJumpTables();
        this.index = 0;
        this.delta = delta;
        this.codeEnd = codeEnd;
    }

    /** Sees the function's next instruction; a dispatch through a bounded table gives {@code targets} each entry. */
    void observe(Instruction insn, LongConsumer targets) {
        tables.observe(insn);
        recent[index & (WINDOW - 1)] = insn.address;
        if (insn.flow() == Instruction.Flow.INDIRECT_JUMP && !insn.hasTargetSlot()) {
            JumpTables.Table table = tables.find(index, this::decode);
            if (table != null) {
                for (int e = 0; e < table.entries(); e++) {
                    long target = table.target(elf, e);
                    if (target != JumpTables.NO_TARGET) {
                        targets.accept(target);
                    }
                }
            }
        }
        index++;
    }

    /** The look-back of {@link JumpTables#find} reaches a few instructions, well inside the window. */
    private void decode(int i, Instruction into) {
        long a = recent[i & (WINDOW - 1)];
        isa.decode(elf.data(), (int) (a - delta), codeEnd, a, into);
    }
}
