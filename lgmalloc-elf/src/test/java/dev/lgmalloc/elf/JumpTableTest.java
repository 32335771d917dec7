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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A switch compiled to a jump table: each case's allocation must be reached through the table with the state
 * in force before the dispatch (here a size that is 48 or 64 by an earlier branch), in every table form gcc
 * emits: PIC relative entries, absolute entries (no PIE), {@code notrack jmp} (CET) and the -O0 spelling. The
 * binaries then run under the preload tracer of the fixtures: every request of a case must be predicted.
 */
class JumpTableTest {

    private static final String SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            void *keep[8];
            __attribute__((noinline)) void *by_kind(int kind, int wide) {
                size_t n = 48;
                if (wide) { puts("wide"); n = 64; }
                void *p;
                switch (kind) {
                case 0: p = malloc(n); break;
                case 1: p = calloc(n, 2); break;
                case 2: p = malloc(n + 8); memset(p, 0, 8); break;
                case 3: p = realloc(keep[3], 100); break;
                case 4: p = malloc(200); keep[4] = p; p = malloc(n * 4); break;
                case 5: p = strdup("five"); break;
                case 6: p = malloc(7); strcpy(p, "sixsix"); break;
                default: p = malloc(1); break;
                }
                keep[kind & 7] = p;
                return p;
            }
            int main(int argc, char **argv) {
                for (int k = 0; k < 9; k++) by_kind(k, argc > 1);
                printf("%p\\n", keep[0]);
                return 0;
            }
            """;

    @TempDir
    static Path work;
    private static Path tracer;

    @BeforeAll
    static void buildTracer() throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the fixtures are not compiled");
        Path source = work.resolve("trace.c");
        try (var in = JumpTableTest.class.getResourceAsStream("/fixtures/trace.c")) {
            Files.write(source, in.readAllBytes());
        }
        tracer = work.resolve("trace.so");
        Tools.run(120, List.of("gcc", "-shared", "-fPIC", "-O1", "-o", tracer.toString(), source.toString(), "-ldl"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "pie, -O2",
            "no-pie, -O2 -fno-pie -no-pie",
            "cet, -O2 -fcf-protection=full",
            "O1, -O1",
            "O0, -O0"})
    void casesAreReachedThroughTheTable(String name, String flags) throws Exception {
        Path source = work.resolve("switch.c");
        Files.writeString(source, SOURCE);
        Path binary = work.resolve("switch-" + name);
        List<String> command = new ArrayList<>(List.of("gcc"));
        command.addAll(Arrays.asList(flags.split(" ")));
        command.addAll(List.of("-o", binary.toString(), source.toString()));
        Tools.run(120, command);
        String code = Tools.run(60, List.of("objdump", "-d", "--no-show-raw-insn", binary.toString()));
        assumeTrue(code.matches("(?s).*<by_kind>:.*jmp +\\*.*"), "this gcc compiled the switch without a table");

        AnalysisResult result = ElfAnalyzer.analyze(binary, 0.9);
        Map<String, List<SizeSet>> sizes = new HashMap<>();
        for (AllocationSite s : result.sites()) {
            if (((ElfSiteLocation) s.location()).function().equals("by_kind")) {
                sizes.computeIfAbsent(s.callee(), k -> new ArrayList<>()).add(s.sizes());
            }
        }
        assertThat(sizes.get("malloc")).as("malloc sites of by_kind").containsExactlyInAnyOrder(SizeSet.of(48, 64),
                SizeSet.of(56, 72), SizeSet.of(200), SizeSet.of(192, 256), SizeSet.of(7), SizeSet.of(1));
        assertThat(sizes.get("calloc")).containsExactly(SizeSet.of(96, 128));
        assertThat(sizes.get("realloc")).containsExactly(SizeSet.of(100));

        assertRunsAsPredicted(binary, result, List.of());
        assertRunsAsPredicted(binary, result, List.of("wide"));
    }

    /** Runs the binary under the tracer: each request whose return address is a site's is in its predicted set. */
    private static void assertRunsAsPredicted(Path binary, AnalysisResult result, List<String> arguments)
            throws Exception {
        Path trace = work.resolve(binary.getFileName() + "-" + arguments.size() + ".trace");
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(arguments);
        Tools.run(60, command, List.of("LD_PRELOAD=" + tracer, "LGM_TRACE=" + trace));
        int checked = 0;
        List<String> misses = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            String[] f = line.split(" ");
            long size = Long.decode(f[1]);
            long returnAddress = Long.decode(f[2]);
            for (AllocationSite s : result.sites()) {
                ElfSiteLocation at = (ElfSiteLocation) s.location();
                if (at.returnAddress() == returnAddress && s.callee().equals(f[0]) && s.sizes().isKnown()) {
                    checked++;
                    if (Arrays.stream(s.sizes().values()).noneMatch(v -> v == size)) {
                        misses.add(at.describe() + " predicted " + s.sizes() + ", requested " + size);
                    }
                }
            }
        }
        assertThat(misses).isEmpty();
        assertThat(checked).as("requests from predicted sites").isGreaterThanOrEqualTo(8);
    }
}
