package dev.lgmalloc.elf.isa;

/**
 * The integer registers of an instruction set and how functions use them: where arguments arrive, which
 * registers a callee may change, which one is the stack pointer. Registers are numbered from 0; a register
 * set is an int mask with bit {@code r} for register {@code r}, so an ISA has at most 32 of them.
 */
public final class CallingConvention {

    private final String[] names;
    private final int stackPointer;
    private final int[] arguments;
    private final int callerSavedMask;

    /**
     * @param names        the register names, by number
     * @param stackPointer the stack pointer's number
     * @param arguments    the integer argument registers, in order
     * @param callerSaved  the registers a call may change
     */
    public CallingConvention(String[] names, int stackPointer, int[] arguments, int[] callerSaved) {
        if (names.length > 32) {
            throw new IllegalArgumentException("register masks hold 32 registers, not " + names.length);
        }
        this.names = names.clone();
        this.stackPointer = stackPointer;
        this.arguments = arguments.clone();
        int mask = 0;
        for (int r : callerSaved) {
            mask |= 1 << r;
        }
        this.callerSavedMask = mask;
    }

    /** How many registers the abstract machine state tracks. */
    public int registerCount() {
        return names.length;
    }

    public int stackPointer() {
        return stackPointer;
    }

    /** The register of argument {@code index} (0 for the first). */
    public int argument(int index) {
        return arguments[index];
    }

    public int argumentCount() {
        return arguments.length;
    }

    /** Whether a function receives an argument in this register. */
    public boolean isArgument(int register) {
        for (int r : arguments) {
            if (r == register) {
                return true;
            }
        }
        return false;
    }

    /** Every register a callee may change, as a mask. */
    public int callerSavedMask() {
        return callerSavedMask;
    }

    /** The register's name, for notes ({@code rdi}). */
    public String name(int register) {
        return register >= 0 && register < names.length ? names[register] : "r?" + register;
    }
}
