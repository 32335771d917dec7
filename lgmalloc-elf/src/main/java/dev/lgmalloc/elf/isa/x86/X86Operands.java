package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.add;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.addConstant;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.arith;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.multiply;
import static dev.lgmalloc.elf.isa.x86.X86Arithmetic.sizeMask;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RBP;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSP;

import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.dataflow.Value;

/**
 * Where x86-64 instructions read and write values: registers with their partial widths (32-bit writes
 * zero-extend, 8- and 16-bit writes merge, {@code ah}–{@code bh}), memory operands that address the own stack
 * frame, push and pop, and what calls and unknown stores destroy.
 */
final class X86Operands {

    private static final long NO_SLOT = Long.MIN_VALUE;

    /** Every caller-saved register: what the ABI allows any callee to change. */
    static final int CALLER_SAVED = callerSavedMask();

    private X86Operands() {
    }

    private static int callerSavedMask() {
        int m = 0;
        for (int r : X86Registers.CALLER_SAVED) {
            m |= 1 << r;
        }
        return m;
    }

    static void clobberRm(X86Instruction in, MachineState s) {
        if (in.rm >= 0) {
            clobber(s, in.rm);
        }
    }

    static void clobber(MachineState s, int reg) {
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

    static void clobberCall(MachineState s, int mask) {
        for (int r = 0; r < X86Registers.COUNT; r++) {
            if ((mask & (1 << r)) != 0 && r != RSP) {
                s.registers[r] = Value.UNKNOWN;
            }
        }
        s.forgetZeroTest();
        s.killSlotsAcrossCall(s.registers[RSP]);
    }

    static void push(MachineState s, Value v) {
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

    static Value pop(MachineState s) {
        Value rsp = s.registers[RSP];
        if (!rsp.isFrame()) {
            return Value.UNKNOWN;
        }
        Value v = s.loadSlot(rsp.frameOffset(), 8);
        s.registers[RSP] = Value.frame(rsp.frameOffset() + 8);
        return v;
    }

    /** The value of the address {@code [base + index*scale + disp]} (for lea). */
    static Value effectiveAddress(X86Instruction in, MachineState s) {
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
    static long slotOf(X86Instruction in, MachineState s) {
        if (!in.hasMemoryOperand() || in.memIndex != X86Instruction.NONE || in.addressSizePrefix
                || in.memBase < 0 || in.memBase >= X86Registers.COUNT) {
            return NO_SLOT;
        }
        Value base = s.registers[in.memBase];
        return base.isFrame() ? base.frameOffset() + in.displacement : NO_SLOT;
    }

    /** Whether a store to this operand could hit the own frame without our knowing where. */
    static boolean mayHitFrame(X86Instruction in, MachineState s) {
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

    static void memoryWritten(X86Instruction in, MachineState s, int width) {
        long slot = slotOf(in, s);
        if (slot != NO_SLOT) {
            s.killSlots(slot, width);
        } else if (mayHitFrame(in, s)) {
            s.clearSlots();
        }
    }

    static Value readOperand(X86Instruction in, MachineState s, int size) {
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

    static void writeOperand(X86Instruction in, MachineState s, int size, Value v) {
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
    static Value read(MachineState s, int reg, int size, X86Instruction in) {
        if (size == 1 && in.rex == 0 && reg >= 4 && reg < 8) {
            Value v = s.registers[reg - 4]; // ah, ch, dh, bh
            return v.isConstants() ? arith(v, v, (a, b) -> (a >>> 8) & 0xff) : Value.UNKNOWN;
        }
        Value v = s.registers[reg];
        return size == 8 ? v : narrow(v, size);
    }

    static Value narrow(Value v, int size) {
        if (size == 4) {
            return v.isFrame() ? Value.UNKNOWN : v.transformed(new Transform.ZeroExtend32());
        }
        if (size == 8) {
            return v;
        }
        return v.isConstants() ? arith(v, v, (a, b) -> a & sizeMask(size)) : Value.UNKNOWN;
    }

    /** Writes {@code v} to a register: 32-bit writes zero-extend, 8/16-bit writes merge with the old value. */
    static void write(MachineState s, int reg, int size, Value v, X86Instruction in) {
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
}
