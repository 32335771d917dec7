package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call of the program's own function that never returns ends its block, as a call of {@code abort} does. At
 * -O0 GCC puts {@code die_bad_kind}'s call right before the {@code malloc(n)} the other paths join: falling from
 * the call into it would bring a path on which {@code n} was never set, and the size would be unknown.
 * {@code die_bad_kind} reaches {@code abort} through another own function, {@code fatal}; {@code maybe_die}
 * calls {@code abort} on one path only and returns on the other, so the code after its call is a path.
 */
class OwnNoReturnTest {

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            __attribute__((noinline, noreturn)) static void fatal(const char *what) {
                fputs(what, stderr);
                abort();
            }
            __attribute__((noinline, noreturn)) void die_bad_kind(int kind) {
                fprintf(stderr, "bad kind %d\\n", kind);
                fatal("giving up\\n");
            }
            __attribute__((noinline)) void maybe_die(int kind) {
                if (kind > 9) abort();
            }
            __attribute__((noinline)) void *make(int kind) {
                size_t n;
                if (kind == 0) n = 24;
                else if (kind == 1) n = 40;
                else die_bad_kind(kind);
                return malloc(n);
            }
            __attribute__((noinline)) void *make_or_not(int kind) {
                size_t n;
                if (kind == 0) n = 24;
                else if (kind == 1) n = 40;
                else maybe_die(kind);
                return malloc(n);
            }
            int main(int argc, char **argv) {
                free(make(argc - 1));
                free(make_or_not(argc - 1));
                return 0;
            }
            """;

    /**
     * Hand-written shape: {@code die} has no {@code .size}, so its range runs to the next symbol and ends in the
     * alignment padding after its {@code call abort}; on {@code make}'s path through it, {@code rbx} still holds
     * the caller's value.
     */
    private static final String ASSEMBLED = """
                .text
                .globl  die
                .type   die, @function
            die:
                subq    $8, %rsp
                call    abort@PLT
                nop
                .p2align 4
                .globl  make
                .type   make, @function
            make:
                pushq   %rbx
                testl   %edi, %edi
                je      .Lsmall
                cmpl    $1, %edi
                jne     .Lbad
                movl    $40, %ebx
                jmp     .Ljoin
            .Lsmall:
                movl    $24, %ebx
                jmp     .Ljoin
            .Lbad:
                call    die
            .Ljoin:
                movq    %rbx, %rdi
                call    malloc@PLT
                popq    %rbx
                ret
                .size   make, .-make
                .globl  main
                .type   main, @function
            main:
                subq    $8, %rsp
                xorl    %edi, %edi
                call    make
                movq    %rax, %rdi
                call    free@PLT
                xorl    %eax, %eax
                addq    $8, %rsp
                ret
                .size   main, .-main
                .section .note.GNU-stack,"",@progbits
            """;

    @TempDir
    Path work;

    @Test
    void paddingAfterTheLastCallDoesNotMakeAFunctionReturn() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not assembled");
        Path binary = Tools.build(work.resolve("die.S"), ASSEMBLED, work.resolve("die"), "gcc");
        Tools.run(60, List.of(binary.toString()));

        AllocationSite make = onlyMallocIn(ElfAnalyzer.analyze(binary, 0.9).sites(), "make");
        assertThat(make.sizes()).as(make.note()).isEqualTo(SizeSet.of(24, 40));
    }

    @Test
    void aCallOfAnOwnFunctionThatNeverReturnsEndsItsBlock() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixture is not compiled");
        Path binary = Tools.build(work.resolve("noreturn.c"), SOURCE, work.resolve("noreturn"), "gcc", "-O0");
        Tools.run(60, List.of(binary.toString()));
        String code = Tools.run(60, List.of("objdump", "-d", "--no-show-raw-insn", binary.toString()));
        assumeTrue(code.matches("(?s).*call\\s+\\w+ <die_bad_kind>\\n\\s+\\w+:\\s+mov .*"),
                "this gcc does not place code right after the call of die_bad_kind");

        List<AllocationSite> sites = ElfAnalyzer.analyze(binary, 0.9).sites();
        AllocationSite make = onlyMallocIn(sites, "make");
        assertThat(make.sizes()).as(make.note()).isEqualTo(SizeSet.of(24, 40));
        AllocationSite makeOrNot = onlyMallocIn(sites, "make_or_not");
        assertThat(makeOrNot.sizes().isKnown()).as("maybe_die returns when kind <= 9").isFalse();
    }

    private static AllocationSite onlyMallocIn(List<AllocationSite> sites, String function) {
        List<AllocationSite> in = sites.stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals(function)
                        && s.callee().equals("malloc")).toList();
        assertThat(in).as("malloc sites in %s", function).hasSize(1);
        return in.getFirst();
    }
}
