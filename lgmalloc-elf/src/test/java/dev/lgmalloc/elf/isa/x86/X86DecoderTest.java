package dev.lgmalloc.elf.isa.x86;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** X86Instruction lengths for the encodings whose size rules have quirks (hand-checked against the SDM/objdump). */
class X86DecoderTest {

    @ParameterizedTest(name = "{0} ({2})")
    @CsvSource({
        "bf28000000, 5, mov edi imm32",
        "48bf0100000000000000, 10, movabs rdi imm64",
        "66b80100, 4, mov ax imm16 (66 shrinks iz)",
        "48c7c7ffffffff, 7, mov rdi sign-extended imm32",
        "66c7c00100, 5, mov ax imm16 via c7",
        "f6c101, 3, test cl imm8 (f6 /0 has an immediate)",
        "f6d1, 2, not cl (f6 /2 has none)",
        "f7c101000000, 6, test ecx imm32",
        "66f7c10100, 5, test cx imm16",
        "e800000000, 5, call rel32",
        "67e800000000, 6, addr32 call after linker relaxation",
        "6666 48 e800000000, 8, data16 data16 rex.w call (rex.w keeps rel32)",
        "ff1500000000, 6, call [rip+disp32]",
        "f30f1efa, 4, endbr64",
        "f2ff2500000000, 7, bnd jmp [rip+disp32]",
        "a10000000000000000, 9, mov eax moffs64",
        "67a100000000, 6, mov eax moffs32 with 67",
        "c8100001, 4, enter imm16 imm8",
        "0f20c0, 3, mov rax cr0",
        "0f0f c1 b4, 4, 3dnow pfmul",
        "660f3a0fc108, 6, palignr imm8",
        "660f38 00 c1, 5, pshufb (0f38 map no immediate)",
        "c5f877, 3, vzeroupper (no modrm)",
        "c4e27d18 4c2408, 7, vbroadcastss with sib disp8",
        "c4e3fd 00 c1 1b, 6, vpermq imm8 (map 0f3a)",
        "62f17c48 28 44 24 01, 8, evex vmovaps zmm with disp8*N",
        "62f3fd48 00 c1 1b, 7, evex vpermq imm8",
        "8fe878 c2 c1 05, 6, xop vprotb imm8 (map 8)",
        "8fea78 10 c1 05000000, 9, xop bextr imm32 (map 10)",
        "8f c0, 2, pop rax (8f without xop)",
        "660f78c00102, 6, extrq imm8 imm8",
        "9bd93c24, 4, fwait merged with fnstcw as objdump shows it",
        "4c8d05 00000000, 7, lea r8 [rip]",
        "42 8b 04 a5 00000000, 8, mov eax [r12*4 + disp32] (no base)",
        "418b 44 24 08, 5, mov eax [r12+8] (sib for r12)",
        "41 8b 45 00, 4, mov eax [r13+0] (mod 1 for r13)",
    })
    void lengths(String hex, int length, String what) {
        byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteBuffer code = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        X86Instruction insn = new X86Instruction();
        assertThat(X86Decoder.decode(code, 0, bytes.length, 0x1000, insn)).as(what).isEqualTo(length);
    }

    @ParameterizedTest(name = "{0} is invalid")
    @CsvSource({"06", "60", "d4 0a", "0f 04", "ea", "48 66 90", "c4 e0 78 00 c0", "0f", "e8 00 00"})
    void invalidOrTruncated(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteBuffer code = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(X86Decoder.decode(code, 0, bytes.length, 0, new X86Instruction())).isZero();
    }

    @ParameterizedTest(name = "fields of {0}")
    @CsvSource({"e8 fb ff ff ff, 0x1000", "67 e8 fa ff ff ff, 0x1000", "eb fe, 0x1000"})
    void branchTargets(String hex, String target) {
        byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteBuffer code = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        X86Instruction insn = new X86Instruction();
        X86Decoder.decode(code, 0, bytes.length, 0x1000, insn);
        assertThat(insn.relativeBranch).isTrue();
        assertThat(insn.branchTarget).isEqualTo(Long.decode(target));
    }
}
