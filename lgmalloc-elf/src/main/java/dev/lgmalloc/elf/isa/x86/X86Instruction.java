package dev.lgmalloc.elf.isa.x86;

import dev.lgmalloc.elf.isa.Instruction;

/**
 * One decoded x86-64 instruction with its prefixes, opcode and operand fields. Register numbers are 0–15 in the
 * usual order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8–r15); {@link #RIP} marks a RIP-relative memory
 * operand and {@link #NONE} an absent register.
 */
public final class X86Instruction extends Instruction {

    public static final int NONE = -1;
    public static final int RIP = 16;

    /** Encodings: plain legacy/REX, or one of the vector prefixes. */
    public static final int LEGACY = 0;
    public static final int VEX = 1;
    public static final int EVEX = 2;
    public static final int XOP = 3;

    /** Opcode maps for legacy encodings: one-byte, 0F, 0F38, 0F3A, 3DNow (0F 0F). */
    public static final int MAP_ONE = 0;
    public static final int MAP_0F = 1;
    public static final int MAP_0F38 = 2;
    public static final int MAP_0F3A = 3;
    public static final int MAP_3DNOW = 4;

    public boolean operandSizePrefix;   // 66
    public boolean addressSizePrefix;   // 67
    public boolean repPrefix;           // F3
    public boolean repnePrefix;         // F2
    public boolean lockPrefix;          // F0
    public boolean rexW;
    /** The REX byte, or 0 when there is none (without REX, byte registers 4-7 are ah, ch, dh, bh). */
    public int rex;
    public int encoding;
    /** For VEX/EVEX/XOP: the map number from the prefix; otherwise one of the MAP_ constants. */
    public int map;
    public int opcode;
    /** VEX/EVEX/XOP extra source register (vvvv), decoded; NONE for legacy encodings. */
    public int vvvv;

    public boolean hasModrm;
    public int mod;
    /** ModRM.reg extended by REX.R (also the opcode extension /digit in its low 3 bits). */
    public int reg;
    /** ModRM.rm extended by REX.B when {@code mod == 3}; NONE for memory operands. */
    public int rm;
    public int memBase;
    public int memIndex;
    public int memScale;
    public long displacement;
    /** REX.B extension (for opcodes that name a register in their low 3 bits, such as B8+r). */
    public int rexB;

    public long immediate;
    public int immediateSize;
    /** Second immediate (ENTER, EXTRQ/INSERTQ). */
    public long immediate2;
    void reset(long at) {
        address = at;
        length = 0;
        operandSizePrefix = addressSizePrefix = repPrefix = repnePrefix = lockPrefix = rexW = false;
        rex = 0;
        encoding = LEGACY;
        map = MAP_ONE;
        opcode = 0;
        vvvv = NONE;
        hasModrm = false;
        mod = 0;
        reg = 0;
        rm = NONE;
        memBase = NONE;
        memIndex = NONE;
        memScale = 1;
        displacement = 0;
        rexB = 0;
        immediate = 0;
        immediateSize = 0;
        immediate2 = 0;
        branchTarget = 0;
        relativeBranch = false;
    }

    /** The address right after this instruction. */
    public long next() {
        return address + length;
    }

    /** Whether the ModRM operand is memory. */
    public boolean hasMemoryOperand() {
        return hasModrm && mod != 3;
    }

    /** The modrm reg field without REX.R: the /digit of group opcodes. */
    public int digit() {
        return reg & 7;
    }

    /** Operand size in bytes of a legacy instruction that is not byte-sized: 8 with REX.W, 2 with 66, else 4. */
    public int operandSize() {
        return rexW ? 8 : operandSizePrefix ? 2 : 4;
    }

    /** The absolute address of a RIP-relative memory operand. */
    public long ripTarget() {
        return next() + displacement;
    }

    /** Whether the memory operand is RIP-relative. */
    public boolean isRipRelative() {
        return hasMemoryOperand() && memBase == RIP;
    }

    public boolean isLegacy(int legacyMap, int op) {
        return encoding == LEGACY && map == legacyMap && opcode == op;
    }

    @Override
    public Flow flow() {
        if (encoding != LEGACY) {
            return Flow.NEXT;
        }
        int op = opcode;
        if (map == MAP_ONE) {
            if (op >= 0x70 && op <= 0x7f) {
                return Flow.BRANCH;
            }
            return switch (op) {
                case 0xe0, 0xe1, 0xe2, 0xe3 -> Flow.COUNTER_BRANCH; // loopne, loope, loop, jrcxz
                case 0xe9, 0xeb -> Flow.JUMP;
                case 0xe8 -> Flow.CALL;
                case 0xff -> digit() == 4 ? Flow.INDIRECT_JUMP : digit() == 2 ? Flow.INDIRECT_CALL : Flow.NEXT;
                case 0xc3, 0xc2, 0xcb, 0xca, 0xcf, 0xf4 -> Flow.STOP; // ret, far ret, iret, hlt
                default -> Flow.NEXT;
            };
        }
        if (map == MAP_0F) {
            if (op >= 0x80 && op <= 0x8f) {
                return Flow.BRANCH;
            }
            return op == 0x0b ? Flow.STOP : Flow.NEXT; // ud2
        }
        return Flow.NEXT;
    }

    /** {@code ret}, far {@code ret} (with or without an immediate) and {@code iret}. */
    @Override
    public boolean isReturn() {
        return encoding == LEGACY && map == MAP_ONE
                && (opcode == 0xc3 || opcode == 0xc2 || opcode == 0xcb || opcode == 0xca || opcode == 0xcf);
    }

    /** {@code call [rip+disp]} and {@code jmp [rip+disp]}: the GOT slot of {@code -fno-plt} code and PLT stubs. */
    @Override
    public boolean hasTargetSlot() {
        return isRipRelative();
    }

    @Override
    public long targetSlot() {
        return ripTarget();
    }

    /** {@code nop}, {@code nopw} and {@code int3}, which compilers put between functions and after jumps. */
    @Override
    public boolean isPadding() {
        return encoding == LEGACY && (map == MAP_ONE && (opcode == 0x90 && rexB == 0 || opcode == 0xcc)
                || map == MAP_0F && opcode == 0x1f);
    }

    /** {@code je}/{@code jne} (short or near); the semantics records what {@code test} or {@code cmp} compared. */
    @Override
    public ZeroTest zeroTest() {
        if (isLegacy(MAP_ONE, 0x74) || isLegacy(MAP_0F, 0x84)) {
            return ZeroTest.JUMPS_IF_ZERO;
        }
        if (isLegacy(MAP_ONE, 0x75) || isLegacy(MAP_0F, 0x85)) {
            return ZeroTest.JUMPS_IF_NOT_ZERO;
        }
        return ZeroTest.NONE;
    }
}
