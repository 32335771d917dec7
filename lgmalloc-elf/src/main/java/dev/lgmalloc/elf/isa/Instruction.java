package dev.lgmalloc.elf.isa;

/**
 * One decoded instruction, as the ISA-neutral analysis sees it: where it is, how it moves control, and what a
 * call through memory reads. Each instruction set extends it with its own operand fields; decoders fill a
 * reused instance, so that sweeping millions of instructions allocates nothing.
 */
public abstract class Instruction {

    /** How an instruction moves control. */
    public enum Flow {
        /** On to the next instruction (calls not counted as such: see {@link #CALL}). */
        NEXT,
        /** A direct conditional branch to {@link #branchTarget}, or on to the next instruction. */
        BRANCH,
        /**
         * A direct conditional branch on a counter (x86's {@code loop} and {@code jrcxz}): a branch for the
         * CFG, but, reaching no further than a few bytes, never taken for a tail call.
         */
        COUNTER_BRANCH,
        /** A direct jump to {@link #branchTarget}. */
        JUMP,
        /** A jump through a register or memory: a jump table, or a tail call. */
        INDIRECT_JUMP,
        /** A direct call of {@link #branchTarget}. */
        CALL,
        /** A call through a register or memory. */
        INDIRECT_CALL,
        /** No successor: a return, a halt or a trap. */
        STOP
    }

    /** How a conditional branch depends on the last zero test. */
    public enum ZeroTest {
        /** Not a branch on a zero test. */
        NONE,
        /** Taken when the tested value is zero. */
        JUMPS_IF_ZERO,
        /** Taken when the tested value is not zero. */
        JUMPS_IF_NOT_ZERO
    }

    /** The instruction's virtual address. */
    public long address;
    /** Its length in bytes. */
    public int length;
    /** Whether it names a target relative to itself ({@link #branchTarget}); each such instruction ends a block. */
    public boolean relativeBranch;
    /** The target of a relative branch, jump or call, else 0. */
    public long branchTarget;

    /** How it moves control. */
    public abstract Flow flow();

    /** Whether it returns to the caller: a {@link Flow#STOP} that is no halt or trap. */
    public abstract boolean isReturn();

    /** Whether an indirect call or jump reads its target from a fixed memory word (a GOT slot, say). */
    public abstract boolean hasTargetSlot();

    /** The address of that word; meaningful only when {@link #hasTargetSlot()}. */
    public abstract long targetSlot();

    /** Whether it is alignment padding: never run, so a block of nothing else feeds no state into its successor. */
    public abstract boolean isPadding();

    /** Whether it is a conditional branch on the last zero test, and which way. */
    public abstract ZeroTest zeroTest();

    /** Whether it is a direct jump, conditional or not: what can carry control into another function's middle. */
    public final boolean isDirectJump() {
        Flow f = relativeBranch ? flow() : Flow.NEXT;
        return f == Flow.BRANCH || f == Flow.COUNTER_BRANCH || f == Flow.JUMP;
    }
}
