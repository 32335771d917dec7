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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that defines its own {@code operator new} on top of {@code malloc} (gdb's {@code new-op.cc}, GCC's
 * cc1plus): at run time every {@code new T} is a {@code malloc} call made from inside that operator, so its
 * callers must be sites of {@code malloc} through the wrapper {@code _Znwm}, with the size of {@code T}.
 */
class OwnOperatorNewTest {

    /** gdb's shape: zero becomes one, a failed malloc throws. */
    private static final String SOURCE = """
            #include <cstdio>
            #include <cstdlib>
            #include <new>
            __attribute__((noinline)) void *operator new(std::size_t size) {
                if (size == 0) size = 1;
                void *p = std::malloc(size);
                if (p == nullptr) throw std::bad_alloc();
                return p;
            }
            void operator delete(void *p) noexcept { std::free(p); }
            void operator delete(void *p, std::size_t) noexcept { std::free(p); }
            struct Small { long a, b, c; };
            struct Big { char bytes[200]; };
            __attribute__((noinline)) Small *makeSmall() { return new Small(); }
            __attribute__((noinline)) Big *makeBig() { return new Big(); }
            int main() {
                Small *s = makeSmall();
                Big *b = makeBig();
                std::printf("%ld %d\\n", s->a, b->bytes[0]);
                delete s;
                delete b;
                return 0;
            }
            """;

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"-O2", "-O0"})
    void newCallersAreMallocSitesThroughTheOwnOperator(String optimisation) throws Exception {
        assumeTrue(Tools.onPath("g++"), "g++ is not installed: the fixture is not compiled");
        Path binary = Tools.build(work.resolve("own.cc"), SOURCE,
                work.resolve("own" + optimisation), "g++", optimisation);
        Tools.run(60, List.of(binary.toString()));

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        AllocationSite small = only(result, "_Z9makeSmallv");
        AllocationSite big = only(result, "_Z7makeBigv");
        for (AllocationSite site : List.of(small, big)) {
            assertThat(site.callee()).isEqualTo("malloc");
            assertThat(site.wrapperChain()).containsExactly("_Znwm");
            assertThat(site.reliability()).isGreaterThanOrEqualTo(0.9);
        }
        assertThat(small.sizes()).isEqualTo(SizeSet.of(24));
        assertThat(big.sizes()).isEqualTo(SizeSet.of(200));
        AllocationSite inside = only(result, "_Znwm");
        assertThat(inside.callee()).isEqualTo("malloc");
        assertThat(inside.sizes().isKnown()).isFalse();
        assertThat(inside.note()).startsWith("wrapper");
    }

    /** gdb (Debian 12) defines _Znwm, _Znam and the nothrow variants; their callers were sites of _Znwm before. */
    @Test
    void gdbsOwnOperatorNewWrapsMalloc() throws Exception {
        Path gdb = Path.of("/usr/bin/gdb");
        assumeTrue(Files.isRegularFile(gdb), "no /usr/bin/gdb on this machine");
        AnalysisResult result = ElfAnalyzer.analyze(gdb, 0.9);
        List<AllocationSite> throughNew = result.sites().stream()
                .filter(s -> s.wrapperChain().equals(List.of("_Znwm")) && s.callee().equals("malloc")).toList();
        assumeTrue(!throughNew.isEmpty() || result.sites().stream().noneMatch(s -> s.callee().equals("_Znwm")),
                "this gdb imports operator new");
        assertThat(throughNew).hasSizeGreaterThan(1000);
        assertThat(throughNew.stream().filter(s -> s.sizes().isConstant()).count()).isGreaterThan(500);
        assertThat(result.sites().stream().filter(s -> s.callee().equals("_Znwm"))).isEmpty();
    }

    private static AllocationSite only(AnalysisResult result, String function) {
        List<AllocationSite> found = result.sites().stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals(function)).toList();
        assertThat(found).as("sites in %s", function).hasSize(1);
        return found.getFirst();
    }
}
