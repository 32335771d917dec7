package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compiler's {@code .cold} part is a function of its own (its own symbol and FDE) that jumps back into the
 * middle of the hot part: python3.11's 0x5e9c54 was predicted {@code malloc(32)} at full confidence while its cold
 * part set the size register to 36 and jumped back before the call. The parts are now analysed as one function,
 * so the sizes are those of the real paths: {32, 36}.
 */
class ColdPartTest {

    /** A {@code main} that calls {@code hot(0)} and frees the result, ending each assembled fixture. */
    private static final String MAIN_CALLING_HOT = """
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

            """ + MAIN_CALLING_HOT;

    @TempDir
    Path work;

    @Test
    void aSizeTheColdPartSetsIsNotPredictedAsTheHotPathsConstant() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not assembled");
        Path binary = Tools.build(work.resolve("cold.S"), SOURCE, work.resolve("cold"), "gcc");
        Tools.run(60, List.of(binary.toString()));                 // it runs: the fixture is a real program

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        List<AllocationSite> inHot = result.sites().stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals("hot") && s.callee().equals("malloc"))
                .toList();
        assertThat(inHot).hasSize(1);
        AllocationSite site = inHot.getFirst();
        assertThat(site.sizes().isKnown() && site.sizes().values().length == 1)
                .as("predicted %s: 32 alone would be wrong when the cold part ran", site.sizes()).isFalse();
        assertThat(site.sizes()).as("the hot path's 32 and the cold part's 36").isEqualTo(SizeSet.of(32, 36));
    }

    /**
     * What GCC 12 -O2 makes of a rare path (a call of a {@code cold} function) before an allocation: the path
     * goes to {@code make.cold}, sets the size in a callee-saved register and jumps back; in {@code pick} the
     * switch case that calls the cold function lies in {@code pick.cold} and is reached only through the jump
     * table, right after the {@code call abort} of the failed-allocation path, which never returns.
     */
    @Test
    void compiledColdPartsJoinTheirFunction() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not compiled");
        Path binary = Tools.build(work.resolve("cold.c"), COMPILED_SOURCE, work.resolve("cold-c"), "gcc", "-O2");
        Tools.run(60, List.of(binary.toString()));
        Tools.run(60, List.of(binary.toString(), "rare"));
        String symbols = Tools.run(60, List.of("nm", binary.toString()));
        assumeTrue(symbols.contains("make.cold") && symbols.contains("pick.cold"),
                "this gcc does not split the fixture into .cold parts");

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        assertThat(mallocIn(result, "make").sizes()).isEqualTo(SizeSet.of(32, 36));
        assertThat(mallocIn(result, "pick").sizes()).isEqualTo(SizeSet.of(8, 16, 24, 40, 56, 72));
    }

    /**
     * A function entered by one tail jump only is not merged into the jumping function: its address may be
     * taken (here it is, in a table), and every other entry would bring other sizes.
     */
    @Test
    void aFunctionOnlyTailJumpedToIsNotAPart() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not assembled");
        Path binary = Tools.build(work.resolve("tail.S"), TAIL_JUMPED_SOURCE, work.resolve("tail"), "gcc");
        Tools.run(60, List.of(binary.toString()));

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        AllocationSite site = mallocIn(result, "allocate");
        assertThat(site.sizes().isKnown()).as("predicted %s for a function also called through a pointer", site.sizes())
                .isFalse();
    }

    /**
     * A piece that two functions jump into is nobody's part: the blocks it jumps back to still start unknown, since
     * the other function may have set the size register to anything.
     */
    @Test
    void aPieceTwoFunctionsJumpIntoStaysApart() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not assembled");
        Path binary = Tools.build(work.resolve("shared.S"), SHARED_PIECE_SOURCE, work.resolve("shared"), "gcc");
        Tools.run(60, List.of(binary.toString()));

        AllocationSite site = mallocIn(ElfAnalyzer.analyze(binary, 0.9), "hot");
        assertThat(site.sizes().isKnown()).as("predicted %s though other code jumps back before the call", site.sizes())
                .isFalse();
    }

    /** python3.11 (Debian 3.11.2): the two cold parts that showed the problem, checked where the binary is present. */
    @Test
    void python311ColdPartsGiveTheRealPaths() throws Exception {
        Path python = Path.of("/usr/bin/python3.11");
        assumeTrue(Files.isRegularFile(python), "no /usr/bin/python3.11 on this machine");
        AnalysisResult result = ElfAnalyzer.analyze(python, 0.9);
        AllocationSite hot = siteAt(result, 0x5e9c54L);
        assumeTrue(hot != null && hot.callee().equals("malloc"), "another build of python3.11");
        assertThat(hot.sizes()).as("r14 = 32 in the hot part, 36 in the cold part 0x47cac9").isEqualTo(SizeSet.of(32, 36));
        AllocationSite growing = siteAt(result, 0x697a36L);
        if (growing != null) { // the cold part 0x4a051d doubles the size and jumps back: no constant holds
            assertThat(growing.sizes().isKnown()).as("predicted %s", growing.sizes()).isFalse();
        }
    }

    private static AllocationSite siteAt(AnalysisResult result, long address) {
        return result.sites().stream().filter(s -> ((ElfSiteLocation) s.location()).address() == address)
                .findFirst().orElse(null);
    }

    private static AllocationSite mallocIn(AnalysisResult result, String function) {
        List<AllocationSite> found = result.sites().stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals(function) && s.callee().equals("malloc"))
                .toList();
        assertThat(found).as("malloc sites in %s", function).hasSize(1);
        return found.getFirst();
    }

    private static final String COMPILED_SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            size_t total;
            __attribute__((cold, noinline)) void note_rare(int k) { fprintf(stderr, "rare %d\\n", k); }
            __attribute__((noinline)) char *make(const char *name, int rare) {
                size_t n = 32;
                if (rare) {
                    note_rare(rare);
                    n = 36;
                }
                char *p = malloc(n);
                if (p == NULL) abort();
                strncpy(p, name, n - 1);
                p[n - 1] = 0;
                total += n;
                return p;
            }
            __attribute__((noinline)) char *pick(const char *name, int kind) {
                size_t n;
                switch (kind) {
                case 0: n = 16; break;
                case 1: n = 24; break;
                case 2: note_rare(2); n = 40; break;
                case 3: n = 56; break;
                case 4: n = 72; break;
                default: n = 8; break;
                }
                char *p = malloc(n);
                if (p == NULL) abort();
                strncpy(p, name, n - 1);
                p[n - 1] = 0;
                total += n;
                return p;
            }
            int main(int argc, char **argv) {
                free(make(argv[0], argc > 1));
                free(pick(argv[0], argc));
                return 0;
            }
            """;

    /** {@code hot}'s piece {@code piece} is also jumped into by {@code other}, with r14 = 100. */
    private static final String SHARED_PIECE_SOURCE = """
                .text
                .globl  hot
                .type   hot, @function
            hot:
                .cfi_startproc
                pushq   %r14
                .cfi_def_cfa_offset 16
                movl    $32, %r14d
                testl   %edi, %edi
                jne     .Lpiece
            .Lback:
                movq    %r14, %rdi
                call    malloc@PLT
                popq    %r14
                .cfi_def_cfa_offset 8
                ret
                .cfi_endproc
                .size   hot, .-hot

                .globl  other
                .type   other, @function
            other:
                .cfi_startproc
                pushq   %r14
                .cfi_def_cfa_offset 16
                movl    $100, %r14d
                jmp     .Lpiece
                .cfi_endproc
                .size   other, .-other

                .section .text.unlikely,"ax",@progbits
                .type   piece, @function
            piece:
                .cfi_startproc
                .cfi_def_cfa_offset 16
            .Lpiece:
                addq    $4, %r14
                jmp     .Lback
                .cfi_endproc
                .size   piece, .-piece

            """ + MAIN_CALLING_HOT;

    /** {@code allocate} is tail-jumped to from {@code small} only, and called through {@code handlers}. */
    private static final String TAIL_JUMPED_SOURCE = """
                .text
                .type   allocate, @function
            allocate:
                .cfi_startproc
                subq    $8, %rsp
                .cfi_def_cfa_offset 16
                call    malloc@PLT
                addq    $8, %rsp
                .cfi_def_cfa_offset 8
                ret
                .cfi_endproc
                .size   allocate, .-allocate

                .type   small, @function
            small:
                .cfi_startproc
                movl    $16, %edi
                jmp     allocate
                .cfi_endproc
                .size   small, .-small

                .globl  main
                .type   main, @function
            main:
                .cfi_startproc
                pushq   %rbx
                .cfi_def_cfa_offset 16
                movl    $100, %edi
                call    *handlers(%rip)
                movq    %rax, %rdi
                call    free@PLT
                xorl    %eax, %eax
                popq    %rbx
                .cfi_def_cfa_offset 8
                ret
                .cfi_endproc
                .size   main, .-main

                .section .data.rel.local,"aw"
                .align 8
            handlers:
                .quad   allocate
                .quad   small
                .section .note.GNU-stack,"",@progbits
            """;
}
