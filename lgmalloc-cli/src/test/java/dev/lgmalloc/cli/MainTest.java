package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void analyzeFindsTheDemoWorkloadsSitesWithTheirPredictions() {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        assertThat(run("analyze", workload.toString())).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        // header: LgMalloc.allocate(HEADER.byteSize()) of a static final 32-byte struct layout
        assertThat(text).containsPattern("OnLgmalloc\\.header.*\\{32\\}\\s+32\\s+0\\.9\\d\\s+0 yes");
        // envelope: malloc(328), which gets an exact class of 336 bytes instead of the standard 352
        assertThat(text).containsPattern("OnLgmalloc\\.envelope.*\\{328\\}\\s+336\\s+");
        assertThat(text).containsPattern("OnLgmalloc\\.payload.*\\?\\s+-\\s+0\\.00");
        assertThat(text).contains("plan per size class (1 exact classes added)");
        out.reset();
        assertThat(run("analyze", "--json", workload.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\"input\":")
                .contains("\"exactSizes\":[336]");
    }

    @Test
    void planWritesTheDemoWorkloadsPlanForTheAgent(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        Path plan = dir.resolve("demo.plan");
        assertThat(run("plan", "--out", plan.toString(), workload.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("wrote " + plan + ": ")
                .contains("-javaagent:lgmalloc-agent.jar=plan=" + plan);
        java.util.List<String> lines = java.nio.file.Files.readAllLines(plan);
        assertThat(lines.getFirst()).isEqualTo("lgmalloc-plan 1");
        assertThat(lines.get(1)).startsWith("input\tlgmalloc-demo.jar\t");
        assertThat(lines).anyMatch(l -> l.startsWith("site\t") && l.contains("OnLgmalloc"));
        err.reset();
        assertThat(run("plan", "--out", plan.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc: plan: give the application's class path");
    }

    @Test
    void analyzeReadsElfBinariesByTheirMagic() {
        Path ls = Path.of("/bin/ls");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(ls), "no /bin/ls on this machine");
        assertThat(run("analyze", "--csv", ls.toString())).isZero();
        String csv = out.toString(StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("location,return_address,function,callee");
        assertThat(csv).containsPattern("\\n0x[0-9a-f]+,");
    }

    @Test
    void analyzeErrorsAreOneLineWithExitCodeTwo() {
        assertThat(run("analyze", "/no/such/file")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc: analyze: no such file or directory");
        err.reset();
        assertThat(run("analyze", "--threshold", "2", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--threshold must be a number in (0, 1]");
        err.reset();
        err.reset();
        assertThat(run("analyze", "--json", "--csv", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--json and --csv exclude each other");
    }

    @Test
    void anInputThatCannotBeReadIsExitCodeThreeWithOneLineNamingIt() {
        assertThat(run("analyze", "pom.xml")).isEqualTo(3);
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(message.lines().count()).isOne();
        assertThat(message).startsWith("lgmalloc: analyze: ").contains("pom.xml").contains("ELF")
                .doesNotContain("Exception").doesNotContain("usage");
    }

    @Test
    void everyCommandHasItsOwnHelpAndDebugIsGlobal() {
        assertThat(run("analyze", "--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("usage: lgmalloc analyze").contains("--threshold").doesNotContain("demo [");
        out.reset();
        assertThat(run("demo", "-h")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: lgmalloc demo [--quick]");
        assertThat(run("--debug", "analyze", "/no/such/file")).as("--debug before the command").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc: analyze: no such file");
    }

    @Test
    void unknownCommandsAndOptionsGiveOneLineAndUsage() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc: unknown command 'frobnicate'")
                .contains("usage: lgmalloc");
        err.reset();
        assertThat(run("demo", "--fast")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option '--fast'");
        assertThat(run()).isEqualTo(2);
    }
}
