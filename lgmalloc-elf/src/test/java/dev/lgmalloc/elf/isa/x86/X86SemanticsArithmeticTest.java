package dev.lgmalloc.elf.isa.x86;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RAX;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.dataflow.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Arithmetic on arguments, instruction by instruction, as wrappers compute sizes. */
class X86SemanticsArithmeticTest {

    private static final Value N = Value.argument(RDI);
    private static final Value S = Value.argument(RSI);

    /** Runs the hex-encoded instructions from the function-entry state. */
    private static MachineState run(String hex) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteBuffer buffer = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        MachineState s = MachineState.entry(X86.SYSTEM_V);
        X86Instruction insn = new X86Instruction();
        for (int pos = 0; pos < code.length; ) {
            int len = X86Decoder.decode(buffer, pos, code.length, 0x1000 + pos, insn);
            assertThat(len).as("decodes at %d", pos).isPositive();
            X86Semantics.step(insn, s);
            pos += len;
        }
        return s;
    }

    private static Value affine(Value v, long a, long c) {
        return v.transformed(new Transform.Affine(a, c));
    }

    @Test
    void leaAndAddByAConstantAreNPlusC() {
        assertThat(run("48 8d 7f 01").registers[RDI]).isEqualTo(affine(N, 1, 1)); // lea rdi, [rdi+1]
        assertThat(run("48 83 c7 10").registers[RDI]).isEqualTo(affine(N, 1, 16)); // add rdi, 16
        assertThat(run("48 83 ef 08").registers[RDI]).isEqualTo(affine(N, 1, -8)); // sub rdi, 8
        assertThat(run("48 ff c7").registers[RDI]).isEqualTo(affine(N, 1, 1)); // inc rdi
    }

    @Test
    void multiplyAndShiftByAConstantAreNTimesC() {
        assertThat(run("48 6b c7 18").registers[RAX]).isEqualTo(affine(N, 24, 0)); // imul rax, rdi, 24
        assertThat(run("48 c1 e7 03").registers[RDI]).isEqualTo(affine(N, 8, 0)); // shl rdi, 3
        assertThat(run("48 8d 04 7f").registers[RAX]).isEqualTo(affine(N, 3, 0)); // lea rax, [rdi+rdi*2]
        assertThat(run("48 8d 04 fd 08 00 00 00").registers[RAX]).isEqualTo(affine(N, 8, 8)); // lea rax,[rdi*8+8]
        // lea rdi, [rdi+1]; shl rdi, 4  ->  16n + 16
        assertThat(run("48 8d 7f 01 48 c1 e7 04").registers[RDI]).isEqualTo(affine(N, 16, 16));
    }

    @Test
    void thirtyTwoBitArithmeticWrapsAt32Bits() {
        Value n32 = N.transformed(new Transform.ZeroExtend32());
        Value expected = affine(n32, 1, 1).transformed(new Transform.ZeroExtend32());
        assertThat(run("83 c7 01").registers[RDI]).isEqualTo(expected); // add edi, 1
        assertThat(expected.transforms()).hasSize(3);
        long[] sizes = {0xffffffffL};
        for (Transform t : expected.transforms()) {
            sizes = t.apply(sizes);
        }
        assertThat(sizes).as("(uint32_t)(0xffffffff + 1)").containsExactly(0);
    }

    @Test
    void productsOfTwoArgumentsOnlyAt64Bits() {
        assertThat(run("48 0f af fe").registers[RDI]).isEqualTo(Value.product(N, S)); // imul rdi, rsi
        assertThat(run("48 89 f0 48 f7 e7").registers[RAX]) // mov rax, rsi; mul rdi
                .isEqualTo(Value.product(S, N));
        assertThat(run("0f af fe").registers[RDI].isUnknown()).isTrue(); // imul edi, esi
    }

    @Test
    void nonAffineOperationsOnArgumentsAreUnknown() {
        assertThat(run("48 83 e7 f0").registers[RDI].isUnknown()).isTrue(); // and rdi, -16
        assertThat(run("48 d1 ef").registers[RDI].isUnknown()).isTrue(); // shr rdi, 1
        assertThat(run("48 01 f7").registers[RDI].isUnknown()).isTrue(); // add rdi, rsi
        assertThat(run("48 f7 df").registers[RDI].isUnknown()).isTrue(); // neg rdi
    }

    @Test
    void zeroTestsOfAStackCopyRecordTheArgument() {
        // mov [rsp-8], rdi; cmp qword [rsp-8], 0
        MachineState s = run("48 89 7c 24 f8 48 83 7c 24 f8 00");
        assertThat(s.zeroTestedValue).isEqualTo(N);
        assertThat(run("48 85 ff").zeroTestedValue).isEqualTo(N); // test rdi, rdi
        assertThat(run("48 85 ff 48 83 c0 01").zeroTestedValue).as("add changes the flags").isNull();
    }
}
