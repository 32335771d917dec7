package dev.lgmalloc.elf.isa;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;

/** Decodes the stubs of a PLT section: which GOT slot each one jumps through. */
public interface PltStubs {

    /** Receives one stub's jump. */
    @FunctionalInterface
    interface Visitor {
        /**
         * @param stubStart the stub's first instruction (after padding)
         * @param jump      the jump's own address (some calls target it rather than the stub's start)
         * @param slot      the GOT slot the jump reads its target from
         */
        void stub(long stubStart, long jump, long slot);
    }

    /** Visits every jump through a GOT slot in {@code plt}, in address order. */
    void decode(ElfFile elf, Section plt, Visitor visitor);
}
