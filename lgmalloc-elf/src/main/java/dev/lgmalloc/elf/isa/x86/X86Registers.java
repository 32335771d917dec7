package dev.lgmalloc.elf.isa.x86;

/** x86-64 general-purpose register numbers and the System V calling convention's use of them. */
public final class X86Registers {

    public static final int RAX = 0;
    public static final int RCX = 1;
    public static final int RDX = 2;
    public static final int RBX = 3;
    public static final int RSP = 4;
    public static final int RBP = 5;
    public static final int RSI = 6;
    public static final int RDI = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    public static final int R10 = 10;
    public static final int R11 = 11;
    public static final int COUNT = 16;

    /** X86Registers a call may change: everything but rbx, rbp, rsp and r12–r15. */
    public static final int[] CALLER_SAVED = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11};
    /** Integer argument registers in order. */
    public static final int[] ARGUMENTS = {RDI, RSI, RDX, RCX, R8, R9};

    static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9",
        "r10", "r11", "r12", "r13", "r14", "r15"};

    private X86Registers() {
    }
}
