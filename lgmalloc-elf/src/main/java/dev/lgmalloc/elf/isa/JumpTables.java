package dev.lgmalloc.elf.isa;

/**
 * Recovers the tables behind a function's indirect jumps. One instance serves one function: it sees every
 * instruction in address order through {@link #observe}, since the table's base is often loaded far ahead of
 * the jump.
 */
public interface JumpTables {

    /** A table of {@code entrySize}-byte entries at {@code address}: offsets from it if relative, else addresses. */
    record Table(long address, int entrySize, boolean relative) {
    }

    /** Reads the instruction at an index of the function's instruction list. */
    @FunctionalInterface
    interface Reader {
        void decode(int index, Instruction into);
    }

    /** Sees the next instruction of the function, in address order. */
    void observe(Instruction insn);

    /** The table the indirect jump at {@code jumpIndex} dispatches through, or null. */
    Table find(int jumpIndex, Reader code);

    /** Whether the jump at {@code jumpIndex} looks like a table dispatch (an unrecovered one makes the CFG unsound). */
    boolean looksLikeDispatch(int jumpIndex, Reader code);
}
