package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.elf.isa.Instruction;

/** Which registers a call changes. */
@FunctionalInterface
public interface CallEffects {

    /** A mask of the registers (bit i for register i) that the call {@code call} may change. */
    int clobbered(Instruction call);

    /** The calling convention's view: a call may change every caller-saved register. */
    static CallEffects conventional(int callerSavedMask) {
        return call -> callerSavedMask;
    }
}
