package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Operands.clobber;
import static dev.lgmalloc.elf.isa.x86.X86Operands.clobberRm;
import static dev.lgmalloc.elf.isa.x86.X86Operands.memoryWritten;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RAX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RCX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;

import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Value;

/**
 * The x86-64 instructions the dataflow does not model: whatever general registers and memory each may write
 * become unknown (x87, string operations, the 0F/0F38/0F3A maps, VEX/EVEX/XOP).
 */
final class X86Unmodelled {

    private X86Unmodelled() {
    }

    /** An instruction not modelled: whatever GPRs and memory it may write become unknown. */
    static void other(X86Instruction in, MachineState s, boolean flagsKept) {
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

    static void vector(X86Instruction in, MachineState s) {
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

    static boolean legacy0fWritesMemory(X86Instruction in) {
        return switch (in.opcode) {
            case 0x00, 0x01, 0x11, 0x13, 0x17, 0x29, 0x2b, 0x7e, 0x7f, 0xd6, 0xe7, 0xc3, 0xae, 0xc7, 0xb0, 0xb1,
                 0xc0, 0xc1, 0xab, 0xb3, 0xbb, 0xba, 0xa4, 0xa5, 0xac, 0xad, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
                 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0x78 -> true;
            default -> false;
        };
    }

    static void clobberLegacy0f(X86Instruction in, MachineState s) {
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

    static void x87(X86Instruction in, MachineState s) {
        if (in.opcode == 0xdf && !in.hasMemoryOperand() && in.digit() == 4) {
            clobber(s, RAX); // fnstsw ax
        }
        int op = in.opcode;
        if (in.hasMemoryOperand() && (op == 0xd9 || op == 0xdb || op == 0xdd || op == 0xdf)) {
            memoryWritten(in, s, 16);
        }
    }

    static void stringOp(MachineState s, X86Instruction in, boolean rsi, boolean rdi, boolean stores) {
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
}
