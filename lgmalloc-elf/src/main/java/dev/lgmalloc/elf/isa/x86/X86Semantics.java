package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RAX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RBP;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RBX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RCX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSP;

import dev.lgmalloc.elf.dataflow.CallEffects;
import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.dataflow.Value;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.Semantics;
import java.util.function.LongBinaryOperator;

/**
 * The x86-64 transfer function: how one instruction changes the abstract {@link MachineState}. Integer moves,
 * ALU operations with constants, shifts, multiplies, loads and stores of the own stack frame, push/pop and
 * calls are modelled; every other instruction makes the registers and memory it may write unknown.
 */
final class X86Semantics implements Semantics {

    private static final long NO_SLOT = Long.MIN_VALUE;
    private static final int ADD = 0;
    private static final int OR = 1;
    private static final int AND = 4;
    private static final int SUB = 5;
    private static final int XOR = 6;
    private static final int CMP = 7;

    /** Every caller-saved register: what the ABI allows any callee to change. */
    static final int CALLER_SAVED = callerSavedMask();
    private static final CallEffects CONVENTIONAL_CALLS = CallEffects.conventional(CALLER_SAVED);

    X86Semantics() {
    }

    private static int callerSavedMask() {
        int m = 0;
        for (int r : X86Registers.CALLER_SAVED) {
            m |= 1 << r;
        }
        return m;
    }

    @Override
    public void apply(Instruction in, MachineState s, CallEffects calls) {
        step((X86Instruction) in, s, calls);
    }

    @Override
    public int writtenRegisters(Instruction in) {
        return writtenBy((X86Instruction) in);
    }

    /** Applies {@code in} to {@code s}, with the ABI's view of calls. */
    static void step(X86Instruction in, MachineState s) {
        step(in, s, CONVENTIONAL_CALLS);
    }

    /** Applies {@code in} to {@code s}. Control flow is the CFG's business; calls change what {@code calls} says. */
    static void step(X86Instruction in, MachineState s, CallEffects calls) {
        if (in.encoding == X86Instruction.LEGACY && in.map == X86Instruction.MAP_ONE
                && (in.opcode == 0xe8 || in.opcode == 0xff && in.digit() == 2)) {
            clobberCall(s, calls.clobbered(in));
            return;
        }
        switch (in.encoding) {
            case X86Instruction.LEGACY -> {
                switch (in.map) {
                    case X86Instruction.MAP_ONE -> oneByte(in, s);
                    case X86Instruction.MAP_0F -> twoByte(in, s);
                    default -> other(in, s, true);
                }
            }
            default -> vector(in, s);
        }
    }

    /** Whether this instruction leaves the flags as they were, so a zero test before it still holds. */
    private static boolean keepsFlags(X86Instruction in) {
        if (in.encoding != X86Instruction.LEGACY) {
            return true; // vector instructions do not touch the integer flags (BMI ones do, but rarely sit there)
        }
        int op = in.opcode;
        if (in.map == X86Instruction.MAP_ONE) {
            return op >= 0x88 && op <= 0x8b || op == 0x8d || op == 0x63 || op >= 0x50 && op <= 0x5f
                    || op >= 0xb0 && op <= 0xbf || op == 0xc6 || op == 0xc7 || op >= 0x90 && op <= 0x99
                    || op == 0x68 || op == 0x6a || op >= 0x70 && op <= 0x7f || op == 0xeb || op == 0xe9;
        }
        if (in.map == X86Instruction.MAP_0F) {
            return op >= 0x40 && op <= 0x4f || op >= 0x90 && op <= 0x9f || op == 0xb6 || op == 0xb7
                    || op == 0xbe || op == 0xbf || op == 0x1f || op >= 0x80 && op <= 0x8f || op >= 0x10 && op <= 0x17
                    || op == 0x28 || op == 0x29 || op == 0x6e || op == 0x6f || op == 0x7e || op == 0x7f
                    || op == 0xd6 || op == 0x1e;
        }
        return false;
    }

    private static void oneByte(X86Instruction in, MachineState s) {
        int op = in.opcode;
        boolean flagsKept = keepsFlags(in);
        if (!flagsKept) {
            s.forgetZeroTest();
        }
        if (op < 0x40 && (op & 7) <= 5) {
            alu(in, s, op >>> 3, (op & 7));
            return;
        }
        switch (op) {
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> push(s, s.registers[(op & 7) | (in.rexB << 3)]);
            case 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f -> {
                Value v = pop(s);
                write(s, (op & 7) | (in.rexB << 3), 8, v, in);
            }
            case 0x63 -> { // movsxd
                Value src = readOperand(in, s, 4);
                write(s, in.reg, in.operandSize(), in.rexW ? src.transformed(new Transform.SignExtend32()) : src, in);
            }
            case 0x68, 0x6a -> push(s, Value.constant(in.immediate));
            case 0x69, 0x6b -> { // imul r, r/m, imm
                Value a = readOperand(in, s, in.operandSize());
                write(s, in.reg, in.operandSize(), multiply(a, Value.constant(in.immediate), in.operandSize()), in);
            }
            case 0x6c, 0x6d -> stringOp(s, in, false, true, true);
            case 0x6e, 0x6f -> stringOp(s, in, true, false, false);
            case 0x80, 0x81, 0x83 -> aluImmediate(in, s, op == 0x80 ? 1 : in.operandSize());
            case 0x84, 0x85 -> {
                int size = op == 0x84 ? 1 : in.operandSize();
                if (!in.hasMemoryOperand() && in.rm == in.reg && size >= 4) {
                    s.zeroTested = in.reg;
                    s.zeroTestedWidth = size;
                    s.zeroTestedValue = read(s, in.reg, size, in);
                }
            }
            case 0x86, 0x87 -> xchg(in, s, op == 0x86 ? 1 : in.operandSize());
            case 0x88, 0x89 -> writeOperand(in, s, op == 0x88 ? 1 : in.operandSize(),
                    read(s, in.reg, op == 0x88 ? 1 : in.operandSize(), in));
            case 0x8a, 0x8b -> {
                int size = op == 0x8a ? 1 : in.operandSize();
                write(s, in.reg, size, readOperand(in, s, size), in);
            }
            case 0x8c -> writeOperand(in, s, 2, Value.UNKNOWN);
            case 0x8d -> write(s, in.reg, in.operandSize(), effectiveAddress(in, s), in);
            case 0x8f -> {
                Value v = pop(s);
                writeOperand(in, s, 8, v);
            }
            case 0x90 -> {
                if (in.rexB != 0) { // xchg r8, rax
                    xchgRegisters(s, RAX, 8, in);
                }
            }
            case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 -> xchgRegisters(s, (op & 7) | (in.rexB << 3),
                    in.operandSize(), in);
            case 0x98 -> s.registers[RAX] = in.rexW ? s.registers[RAX].transformed(new Transform.SignExtend32())
                    : Value.UNKNOWN;
            case 0x99 -> s.registers[RDX] = Value.UNKNOWN;
            case 0x9c -> push(s, Value.UNKNOWN);
            case 0x9d -> pop(s);
            case 0x9f, 0xa0, 0xa1, 0xd7, 0xe4, 0xe5, 0xec, 0xed -> s.registers[RAX] = Value.UNKNOWN;
            case 0xa2, 0xa3 -> { // mov moffs, al/rax: a store to an absolute address, never our frame
                if (s.frameEscaped) {
                    s.clearSlots();
                }
            }
            case 0xa4, 0xa5 -> stringOp(s, in, true, true, true);
            case 0xa6, 0xa7 -> stringOp(s, in, true, true, false);
            case 0xaa, 0xab -> stringOp(s, in, false, true, true);
            case 0xac, 0xad -> {
                stringOp(s, in, true, false, false);
                s.registers[RAX] = Value.UNKNOWN;
            }
            case 0xae, 0xaf -> stringOp(s, in, false, true, false);
            case 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7 -> write(s, (op & 7) | (in.rexB << 3), 1,
                    Value.constant(in.immediate & 0xff), in);
            case 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf -> write(s, (op & 7) | (in.rexB << 3),
                    in.operandSize(), Value.constant(in.immediate), in);
            case 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3 -> shift(in, s);
            case 0xc6, 0xc7 -> {
                if (in.digit() == 0) {
                    writeOperand(in, s, op == 0xc6 ? 1 : in.operandSize(), Value.constant(in.immediate));
                } else if (op == 0xc7 && in.digit() == 7) {
                    s.registers[RAX] = Value.UNKNOWN; // xbegin: eax holds the abort status
                }
            }
            case 0xc8 -> { // enter
                s.registers[RBP] = Value.UNKNOWN;
                s.registers[RSP] = Value.UNKNOWN;
                s.clearSlots();
            }
            case 0xc9 -> { // leave: rsp = rbp + 8, rbp = [rbp]
                Value rbp = s.registers[RBP];
                Value saved = rbp.isFrame() ? s.loadSlot(rbp.frameOffset(), 8) : Value.UNKNOWN;
                s.registers[RSP] = rbp.isFrame() ? Value.frame(rbp.frameOffset() + 8) : Value.UNKNOWN;
                s.registers[RBP] = saved;
            }
            case 0xcd, 0xcc, 0xce, 0xf1 -> clobberCall(s);
            case 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf -> x87(in, s);
            case 0xe0, 0xe1, 0xe2 -> s.registers[RCX] = Value.UNKNOWN;
            case 0xe8 -> clobberCall(s);
            case 0xf6, 0xf7 -> group3(in, s, op == 0xf6 ? 1 : in.operandSize());
            case 0xfe, 0xff -> group5(in, s, op == 0xfe ? 1 : in.operandSize());
            default -> other(in, s, flagsKept);
        }
    }

    private static void twoByte(X86Instruction in, MachineState s) {
        int op = in.opcode;
        boolean flagsKept = keepsFlags(in);
        int zeroTested = s.zeroTested;
        int zeroWidth = s.zeroTestedWidth;
        if (!flagsKept) {
            s.forgetZeroTest();
        }
        if (op >= 0x40 && op <= 0x4f) {
            cmov(in, s, op & 0xf, zeroTested, zeroWidth);
            return;
        }
        switch (op) {
            case 0xb6, 0xb7 -> { // movzx
                int from = op == 0xb6 ? 1 : 2;
                Value v = readOperand(in, s, from);
                write(s, in.reg, in.operandSize(), v, in);
            }
            case 0xbe, 0xbf -> { // movsx
                int from = op == 0xbe ? 1 : 2;
                Value v = readOperand(in, s, from);
                long[] c = v.constantValues();
                for (int i = 0; i < c.length; i++) {
                    c[i] = from == 1 ? (long) (byte) c[i] : (long) (short) c[i];
                }
                write(s, in.reg, in.operandSize(), v.isConstants() ? Value.constants(c) : Value.UNKNOWN, in);
            }
            case 0xaf -> write(s, in.reg, in.operandSize(), multiply(read(s, in.reg, in.operandSize(), in),
                    readOperand(in, s, in.operandSize()), in.operandSize()), in);
            case 0x1f, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x0d -> {
                // hints, nops and endbr64
            }
            case 0x05, 0x07, 0x34, 0x35 -> clobberCall(s); // syscall and friends: rax, rcx, r11
            case 0x31, 0x32, 0x33 -> {
                s.registers[RAX] = Value.UNKNOWN;
                s.registers[RDX] = Value.UNKNOWN;
            }
            case 0xa2 -> {
                s.registers[RAX] = Value.UNKNOWN;
                s.registers[RBX] = Value.UNKNOWN;
                s.registers[RCX] = Value.UNKNOWN;
                s.registers[RDX] = Value.UNKNOWN;
            }
            case 0xa0, 0xa8 -> push(s, Value.UNKNOWN);
            case 0xa1, 0xa9 -> pop(s);
            case 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf ->
                    s.registers[(op & 7) | (in.rexB << 3)] = Value.UNKNOWN;
            case 0xa3 -> {
                // bt: reads only
            }
            default -> other(in, s, flagsKept);
        }
    }

    /** An instruction not modelled: whatever GPRs and memory it may write become unknown. */
    private static void other(X86Instruction in, MachineState s, boolean flagsKept) {
        if (!flagsKept) {
            s.forgetZeroTest();
        }
        boolean writesMemory = true;
        if (in.encoding == X86Instruction.LEGACY && in.map == X86Instruction.MAP_0F) {
            writesMemory = legacy0fWritesMemory(in);
            clobberLegacy0f(in, s);
        } else if (in.encoding == X86Instruction.LEGACY && in.map == X86Instruction.MAP_0F38) {
            writesMemory = in.opcode == 0xf1 || in.opcode == 0xf5 || in.opcode == 0xf8 || in.opcode == 0xf9;
            if (in.opcode == 0xf0 || in.opcode == 0xf1 || in.opcode == 0xf6) {
                clobber(s, in.reg);
            }
        } else if (in.encoding == X86Instruction.LEGACY && in.map == X86Instruction.MAP_0F3A) {
            writesMemory = in.opcode >= 0x14 && in.opcode <= 0x17;
            if (writesMemory && in.rm >= 0) {
                clobber(s, in.rm);
            }
            if (in.opcode == 0x61 || in.opcode == 0x63) {
                clobber(s, RCX);
            }
        } else if (in.encoding == X86Instruction.LEGACY && in.map == X86Instruction.MAP_3DNOW) {
            writesMemory = false;
        } else if (in.encoding == X86Instruction.LEGACY) {
            if (in.rm >= 0) {
                clobber(s, in.rm);
            }
        }
        if (writesMemory && in.hasMemoryOperand()) {
            memoryWritten(in, s, 64);
        }
    }

    private static void vector(X86Instruction in, MachineState s) {
        // VEX/EVEX/XOP: BMI and a few moves write general registers through reg, rm or vvvv; be conservative.
        if (in.hasModrm) {
            clobber(s, in.reg & 15);
            if (in.rm >= 0) {
                clobber(s, in.rm & 15);
            }
        }
        if (in.vvvv >= 0) {
            clobber(s, in.vvvv & 15);
        }
        if (in.encoding == X86Instruction.VEX && in.map == 2 && in.opcode >= 0xf2) {
            s.forgetZeroTest();
        }
        if (in.hasMemoryOperand()) {
            memoryWritten(in, s, 64);
        }
    }

    private static boolean legacy0fWritesMemory(X86Instruction in) {
        return switch (in.opcode) {
            case 0x00, 0x01, 0x11, 0x13, 0x17, 0x29, 0x2b, 0x7e, 0x7f, 0xd6, 0xe7, 0xc3, 0xae, 0xc7, 0xb0, 0xb1,
                 0xc0, 0xc1, 0xab, 0xb3, 0xbb, 0xba, 0xa4, 0xa5, 0xac, 0xad, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
                 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0x78 -> true;
            default -> false;
        };
    }

    private static void clobberLegacy0f(X86Instruction in, MachineState s) {
        switch (in.opcode) {
            case 0x00, 0x20, 0x21, 0x78, 0xa4, 0xa5, 0xac, 0xad, 0xab, 0xb3, 0xbb, 0x90, 0x91, 0x92, 0x93, 0x94,
                 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f -> clobberRm(in, s);
            case 0xba -> {
                if (in.digit() != 4) {
                    clobberRm(in, s);
                }
            }
            case 0x7e -> {
                if (!in.repPrefix) {
                    clobberRm(in, s);
                }
            }
            case 0x02, 0x03, 0x50, 0x2c, 0x2d, 0xc5, 0xd7, 0xb8, 0xbc, 0xbd -> clobber(s, in.reg);
            case 0xb0, 0xb1 -> {
                clobber(s, RAX);
                clobberRm(in, s);
            }
            case 0xc0, 0xc1 -> {
                clobber(s, in.reg);
                clobberRm(in, s);
            }
            case 0xc7 -> {
                clobber(s, RAX);
                clobber(s, RDX);
                clobberRm(in, s);
            }
            case 0x01 -> {
                clobber(s, RAX);
                clobber(s, RCX);
                clobber(s, RDX);
                clobberRm(in, s);
            }
            case 0x37 -> clobber(s, RAX);
            case 0xae -> clobberRm(in, s); // rdfsbase/rdgsbase
            default -> {
            }
        }
    }

    private static void clobberRm(X86Instruction in, MachineState s) {
        if (in.rm >= 0) {
            clobber(s, in.rm);
        }
    }

    private static void clobber(MachineState s, int reg) {
        if (reg >= 0 && reg < X86Registers.COUNT) {
            s.registers[reg] = Value.UNKNOWN;
            if (s.zeroTested == reg) {
                s.zeroTested = -1;
            }
        }
    }

    /** A call: caller-saved registers change, the callee may write slots it can reach. */
    static void clobberCall(MachineState s) {
        clobberCall(s, CALLER_SAVED);
    }

    private static void clobberCall(MachineState s, int mask) {
        for (int r = 0; r < X86Registers.COUNT; r++) {
            if ((mask & (1 << r)) != 0 && r != RSP) {
                s.registers[r] = Value.UNKNOWN;
            }
        }
        s.forgetZeroTest();
        s.killSlotsAcrossCall(s.registers[RSP]);
    }

    /** The registers one non-call instruction writes, found by running it on distinct sentinel values. */
    private static int writtenBy(X86Instruction in) {
        MachineState s = new MachineState(X86Registers.COUNT);
        System.arraycopy(SENTINELS, 0, s.registers, 0, X86Registers.COUNT);
        step(in, s);
        int mask = 0;
        for (int r = 0; r < X86Registers.COUNT; r++) {
            if (s.registers[r] != SENTINELS[r] && !SENTINELS[r].equals(s.registers[r])) {
                mask |= 1 << r;
            }
        }
        return mask;
    }

    private static final Value[] SENTINELS = new Value[X86Registers.COUNT];

    static {
        for (int r = 0; r < X86Registers.COUNT; r++) {
            SENTINELS[r] = r == RSP ? Value.frame(0) : Value.constant(0x5e4d1e0000L + r);
        }
    }

    private static void x87(X86Instruction in, MachineState s) {
        if (in.opcode == 0xdf && !in.hasMemoryOperand() && in.digit() == 4) {
            clobber(s, RAX); // fnstsw ax
        }
        int op = in.opcode;
        if (in.hasMemoryOperand() && (op == 0xd9 || op == 0xdb || op == 0xdd || op == 0xdf)) {
            memoryWritten(in, s, 16);
        }
    }

    private static void stringOp(MachineState s, X86Instruction in, boolean rsi, boolean rdi, boolean stores) {
        if (rsi) {
            s.registers[RSI] = Value.UNKNOWN;
        }
        if (rdi) {
            Value dest = s.registers[RDI];
            s.registers[RDI] = Value.UNKNOWN;
            if (stores && (dest.isFrame() || dest.isUnknown() && s.frameEscaped)) {
                s.clearSlots();
            }
        }
        if (in.repPrefix || in.repnePrefix) {
            s.registers[RCX] = Value.UNKNOWN;
        }
    }

    private static void group3(X86Instruction in, MachineState s, int size) {
        switch (in.digit()) {
            case 0, 1 -> {
            }
            case 2, 3 -> { // not, neg
                Value v = readOperand(in, s, size);
                Value r = in.digit() == 2 ? arith(v, v, (a, b) -> ~a) : arith(v, v, (a, b) -> Math.negateExact(a));
                writeOperand(in, s, size, r);
            }
            case 4, 5 -> { // mul, imul: rdx:rax = rax * operand; the low half is the same for both
                Value product = size == 8 ? multiply(s.registers[RAX], readOperand(in, s, 8), 8) : Value.UNKNOWN;
                s.registers[RAX] = product;
                if (size > 1) {
                    s.registers[RDX] = Value.UNKNOWN;
                }
            }
            default -> { // div, idiv write rdx:rax (ax for byte forms)
                s.registers[RAX] = Value.UNKNOWN;
                if (size > 1) {
                    s.registers[RDX] = Value.UNKNOWN;
                }
            }
        }
    }

    private static void group5(X86Instruction in, MachineState s, int size) {
        switch (in.digit()) {
            case 0, 1 -> {
                s.forgetZeroTest();
                Value v = readOperand(in, s, size);
                long delta = in.digit() == 0 ? 1 : -1;
                writeOperand(in, s, size, addConstant(v, delta));
            }
            case 2, 3 -> clobberCall(s);
            case 4, 5 -> {
            }
            case 6 -> push(s, readOperand(in, s, 8));
            default -> other(in, s, false);
        }
    }

    private static void alu(X86Instruction in, MachineState s, int operation, int form) {
        int size = (form & 1) == 0 && form < 4 || form == 4 ? 1 : in.operandSize();
        if (form >= 4) { // al/eax, imm
            Value r = aluResult(operation, read(s, RAX, size, in), Value.constant(in.immediate), size, false);
            if (operation != CMP) {
                write(s, RAX, size, r, in);
            }
            return;
        }
        boolean toRegister = form >= 2;
        Value regValue = read(s, in.reg, size, in);
        Value rmValue = readOperand(in, s, size);
        boolean sameRegister = !in.hasMemoryOperand() && in.rm == in.reg;
        Value dst = toRegister ? regValue : rmValue;
        Value src = toRegister ? rmValue : regValue;
        Value r = aluResult(operation, dst, src, size, sameRegister);
        if (operation == CMP) {
            return;
        }
        if (toRegister) {
            write(s, in.reg, size, r, in);
        } else {
            writeOperand(in, s, size, r);
        }
    }

    private static void aluImmediate(X86Instruction in, MachineState s, int size) {
        int operation = in.digit();
        Value dst = readOperand(in, s, size);
        if (operation == CMP) {
            if (in.immediate == 0 && size >= 4) {
                if (!in.hasMemoryOperand()) {
                    s.zeroTested = in.rm;
                    s.zeroTestedWidth = size;
                }
                s.zeroTestedValue = dst; // -O0 compares the stack copy: cmp qword [rbp-8], 0
            }
            return;
        }
        Value r = aluResult(operation, dst, Value.constant(in.immediate), size, false);
        writeOperand(in, s, size, r);
    }

    private static Value aluResult(int operation, Value dst, Value src, int size, boolean sameRegister) {
        if (sameRegister && (operation == XOR || operation == SUB)) {
            return Value.constant(0);
        }
        if (sameRegister && (operation == AND || operation == OR)) {
            return dst;
        }
        if (dst.isFrame() && src.isSingleConstant() && size == 8) {
            if (operation == ADD) {
                return Value.frame(dst.frameOffset() + src.singleConstant());
            }
            if (operation == SUB) {
                return Value.frame(dst.frameOffset() - src.singleConstant());
            }
            return Value.UNKNOWN;
        }
        return switch (operation) {
            case ADD -> add(dst, src);
            case OR -> arith(dst, src, (a, b) -> a | b);
            case AND -> arith(dst, src, (a, b) -> a & b);
            case SUB -> src.isSingleConstant() && dst.isArgument()
                    ? dst.transformed(new Transform.Affine(1, -src.singleConstant()))
                    : arith(dst, src, Math::subtractExact);
            case XOR -> arith(dst, src, (a, b) -> a ^ b);
            default -> Value.UNKNOWN; // adc, sbb: depend on the carry
        };
    }

    private static Value addConstant(Value v, long delta) {
        if (v.isFrame()) {
            return Value.frame(v.frameOffset() + delta);
        }
        return add(v, Value.constant(delta));
    }

    /** {@code a + b}: constant sets element-wise; {@code n + c} and {@code n + n} of an argument as affine maps. */
    static Value add(Value a, Value b) {
        if (a.isArgument() && b.isSingleConstant()) {
            return a.transformed(new Transform.Affine(1, b.singleConstant()));
        }
        if (b.isArgument() && a.isSingleConstant()) {
            return b.transformed(new Transform.Affine(1, a.singleConstant()));
        }
        if (a.isArgument() && a.surelySameAs(b)) {
            return a.transformed(new Transform.Affine(2, 0));
        }
        return arith(a, b, Math::addExact);
    }

    /**
     * {@code a * b}: constant sets element-wise, {@code n * c} as an affine map, and with {@code width} 8 the
     * product of two arguments ({@code n * s}); a 32-bit product of arguments wraps differently and is unknown.
     */
    static Value multiply(Value a, Value b, int width) {
        if (a.isArgument() && b.isSingleConstant()) {
            return a.transformed(new Transform.Affine(b.singleConstant(), 0));
        }
        if (b.isArgument() && a.isSingleConstant()) {
            return b.transformed(new Transform.Affine(a.singleConstant(), 0));
        }
        if (a.isArgument() && b.isArgument()) {
            return width == 8 ? Value.product(a, b) : Value.UNKNOWN;
        }
        return arith(a, b, Math::multiplyExact);
    }

    /** Element-wise arithmetic on constant sets; anything else (arguments, frame addresses) becomes unknown. */
    private static Value arith(Value a, Value b, LongBinaryOperator f) {
        if (!a.isConstants() || !b.isConstants()) {
            return Value.UNKNOWN;
        }
        long[] x = a.constantValues();
        long[] y = b.constantValues();
        if (x.length * y.length > Value.MAX_CONSTANTS) {
            return Value.UNKNOWN;
        }
        long[] out = new long[x.length * y.length];
        int n = 0;
        try {
            for (long i : x) {
                for (long j : y) {
                    out[n++] = f.applyAsLong(i, j);
                }
            }
        } catch (ArithmeticException overflow) {
            // the wrapped 64-bit result is what the machine computes, but sizes that overflow are not useful
            return Value.UNKNOWN;
        }
        return Value.constants(out);
    }

    private static void shift(X86Instruction in, MachineState s) {
        int size = (in.opcode & 1) == 0 ? 1 : in.operandSize();
        Value v = readOperand(in, s, size);
        Value count;
        if (in.opcode == 0xc0 || in.opcode == 0xc1) {
            count = Value.constant(in.immediate & 0xff);
        } else if (in.opcode == 0xd0 || in.opcode == 0xd1) {
            count = Value.constant(1);
        } else {
            count = read(s, RCX, 1, in);
        }
        int mask = size == 8 ? 63 : 31;
        Value r = switch (in.digit()) {
            case 4, 6 -> v.isArgument() && count.isSingleConstant()
                    ? v.transformed(new Transform.Affine(1L << (count.singleConstant() & mask), 0))
                    : arith(v, count, (a, c) -> a << (c & mask));
            case 5 -> arith(v, count, (a, c) -> (size == 8 ? a : a & sizeMask(size)) >>> (c & mask));
            case 7 -> arith(v, count, (a, c) -> signExtend(a, size) >> (c & mask));
            default -> Value.UNKNOWN;
        };
        writeOperand(in, s, size, r);
    }

    private static void cmov(X86Instruction in, MachineState s, int condition, int zeroTested, int zeroWidth) {
        int size = in.operandSize();
        Value dst = read(s, in.reg, size, in);
        Value src = readOperand(in, s, size);
        Value result = null;
        if (zeroTested >= 0 && zeroWidth == size && (condition == 4 || condition == 5)) {
            Value tested = read(s, zeroTested, size, in);
            // cmove: result = tested == 0 ? src : dst; cmovne: result = tested != 0 ? src : dst
            Value passed = condition == 4 ? dst : src;
            Value replacement = condition == 4 ? src : dst;
            boolean passedIsTested = condition == 4 ? in.reg == zeroTested : !in.hasMemoryOperand()
                    && in.rm == zeroTested;
            if ((passedIsTested || passed.surelySameAs(tested)) && replacement.isSingleConstant()) {
                result = passed.transformed(new Transform.ZeroReplaced(replacement.singleConstant()));
            }
        }
        if (result == null) {
            result = dst.join(src);
        }
        write(s, in.reg, size, result, in);
    }

    private static void xchg(X86Instruction in, MachineState s, int size) {
        if (in.hasMemoryOperand()) {
            Value mem = readOperand(in, s, size);
            writeOperand(in, s, size, read(s, in.reg, size, in));
            write(s, in.reg, size, mem, in);
        } else {
            Value a = read(s, in.reg, size, in);
            Value b = read(s, in.rm, size, in);
            write(s, in.reg, size, b, in);
            write(s, in.rm, size, a, in);
        }
    }

    private static void xchgRegisters(MachineState s, int reg, int size, X86Instruction in) {
        Value a = read(s, RAX, size, in);
        Value b = read(s, reg, size, in);
        write(s, RAX, size, b, in);
        write(s, reg, size, a, in);
    }

    private static void push(MachineState s, Value v) {
        Value rsp = s.registers[RSP];
        if (rsp.isFrame()) {
            long offset = rsp.frameOffset() - 8;
            s.registers[RSP] = Value.frame(offset);
            if (v.isFrame()) {
                s.frameEscaped = true;
            }
            s.storeSlot(offset, 8, v, true);
        } else {
            s.clearSlots();
        }
    }

    private static Value pop(MachineState s) {
        Value rsp = s.registers[RSP];
        if (!rsp.isFrame()) {
            return Value.UNKNOWN;
        }
        Value v = s.loadSlot(rsp.frameOffset(), 8);
        s.registers[RSP] = Value.frame(rsp.frameOffset() + 8);
        return v;
    }

    /** The value of the address {@code [base + index*scale + disp]} (for lea). */
    private static Value effectiveAddress(X86Instruction in, MachineState s) {
        if (!in.hasMemoryOperand() || in.addressSizePrefix) {
            return Value.UNKNOWN;
        }
        if (in.memBase == X86Instruction.RIP) {
            return Value.constant(in.ripTarget());
        }
        Value base = in.memBase == X86Instruction.NONE ? Value.constant(0) : s.registers[in.memBase];
        Value sum = base;
        if (in.memIndex != X86Instruction.NONE) {
            Value index = s.registers[in.memIndex];
            if (base.isFrame() || index.isFrame()) {
                return Value.UNKNOWN;
            }
            if (base.isArgument() && base.surelySameAs(index)) { // lea r, [n + n*k]
                sum = base.transformed(new Transform.Affine(1 + in.memScale, 0));
            } else {
                sum = add(base, multiply(index, Value.constant(in.memScale), 8));
            }
        }
        if (in.displacement == 0 && in.memIndex == X86Instruction.NONE) {
            return base; // lea r, [r']: a move
        }
        return addConstant(sum, in.displacement);
    }

    /** The frame offset a memory operand addresses, or NO_SLOT. */
    private static long slotOf(X86Instruction in, MachineState s) {
        if (!in.hasMemoryOperand() || in.memIndex != X86Instruction.NONE || in.addressSizePrefix
                || in.memBase < 0 || in.memBase >= X86Registers.COUNT) {
            return NO_SLOT;
        }
        Value base = s.registers[in.memBase];
        return base.isFrame() ? base.frameOffset() + in.displacement : NO_SLOT;
    }

    /** Whether a store to this operand could hit the own frame without our knowing where. */
    private static boolean mayHitFrame(X86Instruction in, MachineState s) {
        if (s.frameEscaped) {
            return true;
        }
        if (in.memBase == X86Instruction.RIP || in.memBase == X86Instruction.NONE && in.memIndex == X86Instruction.NONE) {
            return false;
        }
        boolean frameBase = in.memBase >= 0 && in.memBase < X86Registers.COUNT
                && (in.memBase == RSP || in.memBase == RBP || s.registers[in.memBase].isFrame());
        boolean frameIndex = in.memIndex >= 0 && s.registers[in.memIndex].isFrame();
        return frameBase || frameIndex;
    }

    private static void memoryWritten(X86Instruction in, MachineState s, int width) {
        long slot = slotOf(in, s);
        if (slot != NO_SLOT) {
            s.killSlots(slot, width);
        } else if (mayHitFrame(in, s)) {
            s.clearSlots();
        }
    }

    private static Value readOperand(X86Instruction in, MachineState s, int size) {
        if (!in.hasMemoryOperand()) {
            return read(s, in.rm, size, in);
        }
        long slot = slotOf(in, s);
        if (slot == NO_SLOT) {
            return Value.UNKNOWN;
        }
        Value v = s.loadSlot(slot, size);
        return size == 4 ? narrow(v, 4) : v;
    }

    private static void writeOperand(X86Instruction in, MachineState s, int size, Value v) {
        if (!in.hasMemoryOperand()) {
            write(s, in.rm, size, v, in);
            return;
        }
        if (v.isFrame()) {
            s.frameEscaped = true;
        }
        long slot = slotOf(in, s);
        if (slot != NO_SLOT) {
            boolean outgoing = in.memBase == RSP;
            s.storeSlot(slot, size, size == 8 ? v : narrow(v, size), outgoing);
        } else if (mayHitFrame(in, s)) {
            s.clearSlots();
        }
    }

    /** The value of register {@code reg} read at {@code size} bytes. */
    private static Value read(MachineState s, int reg, int size, X86Instruction in) {
        if (size == 1 && in.rex == 0 && reg >= 4 && reg < 8) {
            Value v = s.registers[reg - 4]; // ah, ch, dh, bh
            return v.isConstants() ? arith(v, v, (a, b) -> (a >>> 8) & 0xff) : Value.UNKNOWN;
        }
        Value v = s.registers[reg];
        return size == 8 ? v : narrow(v, size);
    }

    private static Value narrow(Value v, int size) {
        if (size == 4) {
            return v.isFrame() ? Value.UNKNOWN : v.transformed(new Transform.ZeroExtend32());
        }
        if (size == 8) {
            return v;
        }
        return v.isConstants() ? arith(v, v, (a, b) -> a & sizeMask(size)) : Value.UNKNOWN;
    }

    /** Writes {@code v} to a register: 32-bit writes zero-extend, 8/16-bit writes merge with the old value. */
    private static void write(MachineState s, int reg, int size, Value v, X86Instruction in) {
        if (size == 1 && in.rex == 0 && reg >= 4 && reg < 8) {
            reg -= 4; // ah, ch, dh, bh
            s.registers[reg] = Value.UNKNOWN;
            if (s.zeroTested == reg) {
                s.zeroTested = -1;
            }
            return;
        }
        if (reg < 0 || reg >= X86Registers.COUNT) {
            return;
        }
        Value result;
        if (size == 8) {
            result = v;
        } else if (size == 4) {
            result = narrow(v, 4);
        } else {
            Value old = s.registers[reg];
            long mask = sizeMask(size);
            result = old.isSingleConstant() && v.isSingleConstant()
                    ? Value.constant(old.singleConstant() & ~mask | v.singleConstant() & mask) : Value.UNKNOWN;
        }
        if (result.isFrame() && reg != RSP && reg != RBP) {
            s.frameEscaped = true;
        }
        s.registers[reg] = result;
        if (s.zeroTested == reg) {
            s.zeroTested = -1;
        }
    }

    private static long sizeMask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    private static long signExtend(long v, int size) {
        int shift = 64 - size * 8;
        return v << shift >> shift;
    }
}
