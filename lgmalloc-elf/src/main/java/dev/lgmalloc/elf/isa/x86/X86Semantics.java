package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.addConstant;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.alu;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.aluImmediate;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.arith;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.multiply;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.shift;
import static dev.lgmalloc.elf.isa.x86.X86Operands.CALLER_SAVED;
import static dev.lgmalloc.elf.isa.x86.X86Operands.clobberCall;
import static dev.lgmalloc.elf.isa.x86.X86Operands.effectiveAddress;
import static dev.lgmalloc.elf.isa.x86.X86Operands.pop;
import static dev.lgmalloc.elf.isa.x86.X86Operands.push;
import static dev.lgmalloc.elf.isa.x86.X86Operands.read;
import static dev.lgmalloc.elf.isa.x86.X86Operands.readOperand;
import static dev.lgmalloc.elf.isa.x86.X86Operands.write;
import static dev.lgmalloc.elf.isa.x86.X86Operands.writeOperand;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RAX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RBP;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RBX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RCX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSP;
import static dev.lgmalloc.elf.isa.x86.X86Unmodelled.other;
import static dev.lgmalloc.elf.isa.x86.X86Unmodelled.stringOp;
import static dev.lgmalloc.elf.isa.x86.X86Unmodelled.vector;
import static dev.lgmalloc.elf.isa.x86.X86Unmodelled.x87;

import dev.lgmalloc.elf.dataflow.CallEffects;
import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.dataflow.Value;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.Semantics;

/**
 * The x86-64 transfer function: how one instruction changes the abstract {@link MachineState}. Integer moves,
 * ALU operations with constants, shifts, multiplies, loads and stores of the own stack frame, push/pop and
 * calls are modelled; every other instruction makes the registers and memory it may write unknown.
 */
final class X86Semantics implements Semantics {

    private static final CallEffects CONVENTIONAL_CALLS = CallEffects.conventional(CALLER_SAVED);

    X86Semantics() {
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

    /** The registers one non-call instruction writes, found by running it on distinct sentinel values. */
    private static int writtenBy(X86Instruction in) {
        MachineState s = SCRATCH.get(); // one per thread: clobber summaries sweep every instruction of a callee
        s.resetTo(SENTINELS);
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
    private static final ThreadLocal<MachineState> SCRATCH =
            ThreadLocal.withInitial(() -> new MachineState(X86Registers.COUNT));

    static {
        for (int r = 0; r < X86Registers.COUNT; r++) {
            SENTINELS[r] = r == RSP ? Value.frame(0) : Value.constant(0x5e4d1e0000L + r);
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
}
