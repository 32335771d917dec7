package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Operands.read;
import static dev.lgmalloc.elf.isa.x86.X86Operands.readOperand;
import static dev.lgmalloc.elf.isa.x86.X86Operands.write;
import static dev.lgmalloc.elf.isa.x86.X86Operands.writeOperand;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RAX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RCX;

import dev.lgmalloc.analysis.value.ConstantSet;
import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.dataflow.Value;
import java.util.function.LongBinaryOperator;

/**
 * x86-64 integer arithmetic on abstract values: the ALU group ({@code add}, {@code or}, {@code and},
 * {@code sub}, {@code xor}, {@code cmp}), shifts, and the sums and products that turn an argument {@code n}
 * into {@code a*n + c}. Constant sets are computed element-wise; a set whose arithmetic overflows becomes
 * unknown, since sizes that wrap are no use.
 */
final class X86Arithmetic {

    private static final int ADD = 0;
    private static final int OR = 1;
    private static final int AND = 4;
    private static final int SUB = 5;
    private static final int XOR = 6;
    private static final int CMP = 7;

    private X86Arithmetic() {
    }

    static void alu(X86Instruction in, MachineState s, int operation, int form) {
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

    static void aluImmediate(X86Instruction in, MachineState s, int size) {
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

    static Value aluResult(int operation, Value dst, Value src, int size, boolean sameRegister) {
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

    static Value addConstant(Value v, long delta) {
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
    static Value arith(Value a, Value b, LongBinaryOperator f) {
        if (!a.isConstants() || !b.isConstants()) {
            return Value.UNKNOWN;
        }
        long[] x = a.constantValues();
        long[] y = b.constantValues();
        if (x.length * y.length > ConstantSet.MAX_SIZE) {
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

    static void shift(X86Instruction in, MachineState s) {
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

    static long sizeMask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    static long signExtend(long v, int size) {
        int shift = 64 - size * 8;
        return v << shift >> shift;
    }
}
