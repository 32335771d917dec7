package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.format.Symbol;
import dev.lgmalloc.elf.format.SymbolTables;
import dev.lgmalloc.elf.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compiles the fixture programs with gcc/g++ in many configurations, checks the predicted sites against what
 * the sources say, and — for dynamically linked builds — runs them under a preload tracer and checks that every
 * request made from a site predicted constant has a predicted size.
 */
class FixtureSitesTest {

    @TempDir
    static Path work;
    private static Path tracer;

    static Stream<Arguments> cVariants() {
        return Stream.of(
                Arguments.of("O0-pie", List.of("-O0", "-pie", "-fPIE"), true),
                Arguments.of("O2-pie", List.of("-O2", "-pie", "-fPIE"), true),
                Arguments.of("O0-nopie", List.of("-O0", "-no-pie", "-fno-PIE"), true),
                Arguments.of("O2-nopie", List.of("-O2", "-no-pie", "-fno-PIE"), true),
                Arguments.of("O2-noplt", List.of("-O2", "-fno-plt"), true),
                Arguments.of("O0-noplt-nopie", List.of("-O0", "-fno-plt", "-no-pie", "-fno-PIE"), true),
                Arguments.of("O2-cet", List.of("-O2", "-fcf-protection=full", "-Wl,-z,ibtplt"), true),
                Arguments.of("O2-static", List.of("-O2", "-static"), false),
                Arguments.of("O0-static", List.of("-O0", "-static"), false),
                Arguments.of("O2-static-noplt", List.of("-O2", "-static", "-fno-plt"), false));
    }

    static Stream<Arguments> cxxVariants() {
        return Stream.of(
                Arguments.of("O0-pie", List.of("-O0"), true),
                Arguments.of("O2-pie", List.of("-O2"), true),
                Arguments.of("O2-noplt-cet", List.of("-O2", "-fno-plt", "-fcf-protection=full"), true),
                Arguments.of("O2-static", List.of("-O2", "-static"), false));
    }

    @BeforeAll
    static void buildTracer() throws Exception {
        if (!Tools.onPath("gcc")) {
            return;
        }
        tracer = work.resolve("trace.so");
        Tools.run(120, List.of("gcc", "-shared", "-fPIC", "-O1", "-o", tracer.toString(),
                fixture("trace.c").toString(), "-ldl"));
    }

    @ParameterizedTest(name = "C {0}")
    @MethodSource("cVariants")
    void cSitesArePredicted(String name, List<String> flags, boolean traceable) throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: C fixtures not compiled");
        Path binary = compile("gcc", "sites.c", "c-" + name, flags);
        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        boolean optimised = flags.contains("-O2");

        assertSizes(result, "const_site", "malloc", List.of(), 24);
        assertSizes(result, "calloc_site", "calloc", List.of(), 160);
        assertSizes(result, "realloc_site", "malloc", List.of(), 8);
        assertSizes(result, "realloc_site", "realloc", List.of(), 200);
        assertSizes(result, "join_site", "malloc", List.of(), 100, 200);
        assertUnknown(result, "dynamic_site", "malloc");
        assertUnknown(result, "loop_growth", "malloc");
        assertThat(only(result, "loop_growth", "malloc", List.of()).loopDepth()).isPositive();
        assertSizes(result, "loop_const", "malloc", List.of(), 32);
        assertThat(only(result, "loop_const", "malloc", List.of()).loopDepth()).isPositive();
        assertSizes(result, "aligned_sites", "posix_memalign", List.of(), 256);
        if (flags.contains("-static")) { // static glibc: aligned_alloc is an alias of memalign
            assertThat(sitesIn(result, "aligned_sites", "memalign", List.of()).stream().map(AllocationSite::sizes))
                    .containsExactlyInAnyOrder(SizeSet.of(128), SizeSet.of(96));
        } else {
            assertSizes(result, "aligned_sites", "aligned_alloc", List.of(), 128);
            assertSizes(result, "aligned_sites", "memalign", List.of(), 96);
        }
        assertSizes(result, "reallocarray_site", "reallocarray", List.of(), 120);
        assertSizes(result, "across_calls", "malloc", List.of(), 56);
        // wrappers: xmalloc(n) calls malloc(n ? n : 1), with cmov (-O2) or branches (-O0): n itself unless 0
        assertWrapped(result, "malloc", List.of("xmalloc"), new long[] {64});
        assertWrapped(result, "malloc", List.of("xmalloc_outer", "xmalloc"), new long[] {72});
        assertWrapped(result, "calloc", List.of("xcalloc"), new long[] {48});
        assertUnknown(result, "xmalloc", "malloc");
        assertThat(only(result, "xmalloc", "malloc", List.of()).note()).contains("wrapper");
        if (optimised) { // `return malloc(48)` is a tail call: its callers are the sites
            assertWrapped(result, "malloc", List.of("alloc_node"), new long[] {48});
        } else {
            assertSizes(result, "alloc_node", "malloc", List.of(), 48);
        }
        assertTransformedWrappers(result);
        if (traceable) {
            checkAgainstRun(binary, result, 18);
        }
    }

    /** Size transforms (n + 1, n * s, n ? n : 1) and zero-size retry paths, seen from their callers. */
    private static void assertTransformedWrappers(AnalysisResult result) {
        String callers = "transform_callers";
        assertSizes(result, callers, "malloc", List.of("xmallocz", "xmalloc_retry"), 41);
        assertSizes(result, callers, "malloc", List.of("xnmalloc", "xmalloc_retry"), 120);
        assertSizes(result, callers, "malloc", List.of("xmalloc_retry"), 100);
        assertSizes(result, callers, "calloc", List.of("xcalloc_retry"), 24);
        assertThat(sitesIn(result, callers, "malloc", List.of("xmalloc_int")).stream().map(AllocationSite::sizes))
                .containsExactlyInAnyOrder(SizeSet.of(1), SizeSet.of(36));
        // malloc(1) after a failed malloc(n) is xmalloc_retry's own site; calloc(0, s) forwards another size
        assertThat(sitesIn(result, "xmalloc_retry", "malloc", List.of()).stream().map(AllocationSite::sizes))
                .containsExactlyInAnyOrder(SizeSet.unknown(), SizeSet.of(1));
        assertThat(only(result, callers, "malloc", List.of("xmalloc_retry")).reliability()).isEqualTo(0.95);
        AllocationSite retried = only(result, callers, "calloc", List.of("xcalloc_retry"));
        assertThat(retried.reliability()).isLessThan(0.95);
        assertThat(retried.note()).contains("another path in xcalloc_retry");
    }

    @ParameterizedTest(name = "C++ {0}")
    @MethodSource("cxxVariants")
    void cxxSitesArePredicted(String name, List<String> flags, boolean traceable) throws Exception {
        assumeTrue(Tools.onPath("g++"), "g++ is not installed: C++ fixtures not compiled");
        Path binary = compile("g++", "sites.cc", "cxx-" + name, flags);
        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        if (flags.contains("-static")) {
            // libstdc++'s operator new is linked in: a wrapper of malloc, as it is at run time
            assertSizes(result, "_Z8new_nodev", "malloc", List.of("_Znwm"), 24);
            assertThat(only(result, "_Z9new_arrayi", "malloc", List.of("_Znam", "_Znwm")).sizes().isKnown()).isFalse();
            assertSizes(result, "_Z15new_array_constv", "malloc", List.of("_Znam", "_Znwm"), 300);
            assertSizes(result, "_Z11new_nothrowv", "malloc", List.of("_ZnwmRKSt9nothrow_t", "_Znwm"), 100);
        } else {
            assertSizes(result, "_Z8new_nodev", "_Znwm", List.of(), 24);
            assertUnknown(result, "_Z9new_arrayi", "_Znam");
            assertSizes(result, "_Z15new_array_constv", "_Znam", List.of(), 300);
            assertSizes(result, "_Z11new_nothrowv", "_ZnwmRKSt9nothrow_t", List.of(), 100);
        }
        // the aligned operator rounds the size up for aligned_alloc (not affine): it stays an allocator
        assertSizes(result, "_Z11new_alignedv", "_ZnwmSt11align_val_t", List.of(), 128);
        if (traceable) {
            checkAgainstRun(binary, result, 4);
        }
    }

    private static Path fixture(String name) throws IOException {
        Path target = work.resolve(name);
        if (!Files.exists(target)) {
            try (InputStream in = FixtureSitesTest.class.getResourceAsStream("/fixtures/" + name)) {
                Files.copy(in, target);
            }
        }
        return target;
    }

    private static Path compile(String compiler, String source, String name, List<String> flags) throws Exception {
        Path out = work.resolve(name);
        List<String> command = new ArrayList<>(List.of(compiler, "-o", out.toString()));
        command.addAll(flags);
        command.add(fixture(source).toString());
        try {
            Tools.run(120, command);
        } catch (IOException e) {
            assumeTrue(!flags.contains("-static"), "static libc is not installed: " + e.getMessage());
            throw e;
        }
        return out;
    }

    private static List<AllocationSite> sitesIn(AnalysisResult r, String function, String callee, List<String> chain) {
        return r.sites().stream().filter(s -> ((ElfSiteLocation) s.location()).function().equals(function)
                && s.callee().equals(callee) && s.wrapperChain().equals(chain)).toList();
    }

    private static AllocationSite only(AnalysisResult r, String function, String callee, List<String> chain) {
        List<AllocationSite> found = sitesIn(r, function, callee, chain);
        List<String> inFunction = r.sites().stream()
                .filter(s -> ((ElfSiteLocation) s.location()).function().equals(function)).map(Object::toString).toList();
        assertThat(found).as("%s sites calling %s %s; its sites: %s", function, chain, callee, inFunction).hasSize(1);
        return found.getFirst();
    }

    private static void assertSizes(AnalysisResult r, String function, String callee, List<String> chain,
                                    long... sizes) {
        assertThat(only(r, function, callee, chain).sizes()).isEqualTo(SizeSet.of(sizes));
    }

    private static void assertUnknown(AnalysisResult r, String function, String callee) {
        assertThat(only(r, function, callee, List.of()).sizes().isKnown()).isFalse();
    }

    private static void assertWrapped(AnalysisResult r, String allocator, List<String> chain, long[] sizes) {
        assertSizes(r, "wrapper_callers", allocator, chain, sizes);
    }

    /** One allocator call recorded by the tracer. */
    private record Request(String callee, long size, long[] returns) {
    }

    /**
     * Runs the binary under the tracer and checks every request that came from a site predicted constant (the
     * site's return address on the stack, with only its wrappers' frames above it).
     */
    private static void checkAgainstRun(Path binary, AnalysisResult result, int expectedCheckedSites)
            throws Exception {
        Path trace = work.resolve(binary.getFileName() + ".trace");
        Tools.run(60, List.of(binary.toString(), "x", "y"),
                List.of("LD_PRELOAD=" + tracer, "LGM_TRACE=" + trace));
        List<Request> requests = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            String[] f = line.split(" ");
            long[] ra = new long[4];
            for (int i = 0; i < 4; i++) {
                ra[i] = Long.decode(f[2 + i]);
            }
            requests.add(new Request(f[0], Long.decode(f[1]), ra));
        }
        Map<String, long[]> ranges = functionRanges(binary);
        int checkedSites = 0;
        List<String> mismatches = new ArrayList<>();
        for (AllocationSite site : result.sites()) {
            ElfSiteLocation at = (ElfSiteLocation) site.location();
            if (!site.sizes().isKnown() || at.returnAddress() == 0) {
                continue;
            }
            int matched = 0;
            for (Request q : requests) {
                if (q.callee().equals(site.callee()) && comesFrom(q, at.returnAddress(), site.wrapperChain(), ranges)) {
                    matched++;
                    if (Arrays.stream(site.sizes().values()).noneMatch(v -> v == q.size())) {
                        mismatches.add(at.describe() + " predicted " + site.sizes() + " requested " + q.size());
                    }
                }
            }
            if (matched > 0) {
                checkedSites++;
            }
        }
        assertThat(mismatches).as("requests whose size the constant prediction missed").isEmpty();
        assertThat(checkedSites).as("constant sites seen at run time").isGreaterThanOrEqualTo(expectedCheckedSites);
    }

    private static boolean comesFrom(Request q, long returnAddress, List<String> chain, Map<String, long[]> ranges) {
        for (int i = 0; i < 4; i++) {
            if (q.returns()[i] == returnAddress) {
                return true;
            }
            long ra = q.returns()[i];
            boolean inWrapper = chain.stream().map(ranges::get)
                    .anyMatch(r -> r != null && ra > r[0] && ra <= r[1]);
            if (!inWrapper) {
                return false;
            }
        }
        return false;
    }

    private static Map<String, long[]> functionRanges(Path binary) throws Exception {
        ElfFile elf = ElfFile.open(binary);
        Map<String, long[]> ranges = new HashMap<>();
        for (Section s : elf.sections()) {
            if (s.type() == Section.SHT_SYMTAB) {
                for (Symbol sym : SymbolTables.read(elf, s)) {
                    if (sym.isCode()) {
                        ranges.put(sym.name(), new long[] {sym.value(), sym.value() + sym.size()});
                    }
                }
            }
        }
        return ranges;
    }
}
