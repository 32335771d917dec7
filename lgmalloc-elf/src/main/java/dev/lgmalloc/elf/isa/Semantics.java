package dev.lgmalloc.elf.isa;

import dev.lgmalloc.elf.dataflow.CallEffects;
import dev.lgmalloc.elf.dataflow.MachineState;

/** What instructions do to the abstract {@link MachineState}: the transfer function of the dataflow. */
public interface Semantics {

    /**
     * Applies {@code in} to {@code s}. Control flow is the CFG's business; a call changes the registers
     * {@code calls} says and whatever stack slots the callee can reach.
     */
    void apply(Instruction in, MachineState s, CallEffects calls);

    /** The registers (as a mask) one instruction that is not a call writes. */
    int writtenRegisters(Instruction in);
}
