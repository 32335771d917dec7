package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.elf.survey.PreloadTracer;
import dev.lgmalloc.elf.survey.RuntimeCalls;
import dev.lgmalloc.elf.survey.TraceCoverage;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * libstdc++'s {@code std::string::_M_create} tail-calls {@code operator new}, so {@code new} returns straight
 * into the program that called {@code _M_create}: each such call is an allocation site of the program, through
 * {@code _M_create}. A string built from a 41-byte literal asks for 42 bytes; one copied from a C string of
 * unknown length is a site with an unknown size. The program then runs under the survey's tracer: every call
 * it made must be counted against these sites, at the predicted size. A program with its own
 * {@code operator new} (gdb's shape) receives {@code _M_create}'s call there: the sites are then sites of
 * {@code malloc} through {@code _M_create} and that operator.
 */
class StringCreateSitesTest {

    private static final String CREATE = "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm";

    private static final String OWN_NEW = """
            #include <cstdlib>
            #include <new>
            __attribute__((noinline)) void *operator new(std::size_t size) {
                void *p = std::malloc(size);
                if (p == nullptr) throw std::bad_alloc();
                return p;
            }
            void operator delete(void *p) noexcept { std::free(p); }
            void operator delete(void *p, std::size_t) noexcept { std::free(p); }
            """;

    private static final String SOURCE = """
            #include <cstdio>
            #include <string>
            __attribute__((noinline)) std::string literal() {
                return std::string("a string longer than fifteen bytes: forty");
            }
            __attribute__((noinline)) std::string copyOf(const char *s) { return std::string(s); }
            int main(int argc, char **argv) {
                for (int i = 0; i < 3; i++) {
                    std::string a = literal(), c = copyOf(argv[1]);
                    std::printf("%zu %zu\\n", a.size(), c.size());
                }
                return 0;
            }
            """;

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void callersOfMCreateAreSitesAndTheTracerCountsThem(boolean ownOperatorNew) throws Exception {
        assumeTrue(Tools.onPath("g++") && Tools.onPath("gcc"), "g++ or gcc is not installed");
        Path binary = Tools.build(work.resolve("strings.cc"), (ownOperatorNew ? OWN_NEW : "") + SOURCE,
                work.resolve("strings"), "g++", "-O2");
        String symbols = Tools.run(60, List.of("nm", "-D", binary.toString()));
        assumeTrue(symbols.contains(CREATE), "this g++ does not call _M_create from the program");

        List<AllocationSite> sites = ElfAnalyzer.analyze(binary, 0.9).sites();
        AllocationSite literal = onlySiteIn(sites, "_Z7literalB5cxx11v");
        if (ownOperatorNew) {
            assertThat(literal.callee()).isEqualTo("malloc");
            assertThat(literal.wrapperChain()).containsExactly(CREATE, "_Znwm");
        } else {
            assertThat(literal.callee()).isEqualTo("_Znwm");
            assertThat(literal.wrapperChain()).containsExactly(CREATE);
        }
        assertThat(literal.sizes()).as(literal.note()).isEqualTo(SizeSet.of(42));
        assertThat(literal.reliability()).isGreaterThanOrEqualTo(0.9);
        AllocationSite copy = onlySiteIn(sites, "_Z6copyOfB5cxx11PKc");
        assertThat(copy.sizes().isKnown()).as(copy.note()).isFalse();

        PreloadTracer tracer = PreloadTracer.build(work);
        Path traces = Files.createDirectories(work.resolve("traces"));
        tracer.run(List.of(binary.toString(), "a C string of more than fifteen bytes"), work, traces, Map.of(), 60);
        List<RuntimeCalls.Call> calls = RuntimeCalls.madeBy(binary, traces);
        TraceCoverage coverage = new TraceCoverage(calls, sites, Map.of(), 0.9);
        assertThat(coverage.calls()).as("calls from the program's code").isEqualTo(6);
        assertThat(coverage.topMisses(10)).as("calls at no site").noneMatch(m -> m.where().startsWith("ret"));
        assertThat(coverage.coverage()).as("the literal's three calls of six").isEqualTo(0.5);
        assertThat(coverage.precision()).isEqualTo(1.0);
    }

    private static AllocationSite onlySiteIn(List<AllocationSite> sites, String function) {
        List<AllocationSite> in = sites.stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals(function)).toList();
        assertThat(in).as("sites in %s", function).hasSize(1);
        return in.getFirst();
    }
}
