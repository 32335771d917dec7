package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compiler's {@code .cold} part is a function of its own (its own symbol and FDE) that jumps back into the
 * middle of the hot part: python3.11's 0x5e9c54 was predicted {@code malloc(32)} at full confidence while its cold
 * part set the size register to 36 and jumped back before the call.
 */
class ColdPartTest {

    /** The shape GCC emits: the hot path sets r14 = 32; the cold part, another FDE, sets 36 and jumps back. */
    private static final String SOURCE = """
                .text
                .globl  hot
                .type   hot, @function
            hot:
                .cfi_startproc
                pushq   %r14
                .cfi_def_cfa_offset 16
                movl    $32, %r14d
                testl   %edi, %edi
                jne     .Lcold
            .Lback:
                movq    %r14, %rdi
                call    malloc@PLT
                popq    %r14
                .cfi_def_cfa_offset 8
                ret
                .cfi_endproc
                .size   hot, .-hot

                .section .text.unlikely,"ax",@progbits
                .type   hot.cold, @function
            hot.cold:
                .cfi_startproc
                .cfi_def_cfa_offset 16
            .Lcold:
                movl    $36, %r14d
                jmp     .Lback
                .cfi_endproc
                .size   hot.cold, .-hot.cold

                .text
                .globl  main
                .type   main, @function
            main:
                .cfi_startproc
                subq    $8, %rsp
                .cfi_def_cfa_offset 16
                xorl    %edi, %edi
                call    hot
                movq    %rax, %rdi
                call    free@PLT
                xorl    %eax, %eax
                addq    $8, %rsp
                .cfi_def_cfa_offset 8
                ret
                .cfi_endproc
                .size   main, .-main
                .section .note.GNU-stack,"",@progbits
            """;

    @TempDir
    Path work;

    @Test
    void aSizeTheColdPartSetsIsNotPredictedAsTheHotPathsConstant() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not assembled");
        Path source = work.resolve("cold.S");
        Files.writeString(source, SOURCE);
        Path binary = work.resolve("cold");
        Tools.run(120, List.of("gcc", "-o", binary.toString(), source.toString()));
        Tools.run(60, List.of(binary.toString()));                 // it runs: the fixture is a real program

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        List<AllocationSite> inHot = result.sites().stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals("hot") && s.callee().equals("malloc"))
                .toList();
        assertThat(inHot).hasSize(1);
        AllocationSite site = inHot.getFirst();
        assertThat(site.sizes().isKnown() && site.sizes().values().length == 1)
                .as("predicted %s: 32 alone would be wrong when the cold part ran", site.sizes()).isFalse();
    }
}
