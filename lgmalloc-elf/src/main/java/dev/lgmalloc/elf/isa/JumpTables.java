package dev.lgmalloc.elf.isa;

import dev.lgmalloc.elf.format.ElfFile;

/**
 * Recovers the tables behind a function's indirect jumps. One instance serves one function: it sees every
 * instruction in address order through {@link #observe}, since the table's base is often loaded far ahead of
 * the jump.
 */
public interface JumpTables {

    /**
     * A table of {@code entrySize}-byte entries at {@code address}: offsets from it if relative, else addresses.
     * {@code entries} is how many the bounds check before the dispatch allows, or 0 when no check was found.
     */
    /** What {@link Table#target} answers for an entry it cannot read. */
    long NO_TARGET = Long.MIN_VALUE;

    record Table(long address, int entrySize, boolean relative, int entries) {

        public Table(long address, int entrySize, boolean relative) {
            this(address, entrySize, relative, 0);
        }

        /** Where entry {@code e} sends control, or {@link #NO_TARGET} when the entry lies outside the file. */
        public long target(ElfFile elf, int e) {
            long offset = elf.fileOffsetOf(address + (long) e * entrySize, entrySize);
            if (offset < 0) {
                return NO_TARGET;
            }
            return relative ? address + elf.u32(offset) : elf.u64(offset);
        }

        /** The same table with its entry count known. */
        public Table bounded(int count) {
            return new Table(address, entrySize, relative, count);
        }
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
