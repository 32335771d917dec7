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
    void quickDemoRunsThePipelineAndPrintsStatistics() {
        assertThat(run("demo", "--quick")).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("pipeline: 200,000 messages", "virtual threads: 10,000 requests",
                "live: 0 blocks, 0 bytes", "size classes in use", "VIRTUAL_THREAD_STRIPE");
    }

    @Test
    void analyzeFindsTheDemoSitesInClassFilesWithTheirPredictions() {
        Path classes = Path.of("target/classes");
        assertThat(run("analyze", classes.toString())).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        // Demo.request: arena.allocate(HEADER, 8) is a constant 8 x 24-byte layout
        assertThat(text).containsPattern("dev/lgmalloc/cli/Demo\\.request.*\\{192\\}\\s+192\\s+0\\.9\\d\\s+0 yes");
        assertThat(text).contains("plan per size class");
        out.reset();
        assertThat(run("analyze", "--json", classes.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\"input\":").contains("\"class\":\"dev/lgmalloc/cli/Demo\"");
    }

    @Test
    void analyzeReadsElfBinariesByTheirMagic() {
        Path ls = Path.of("/bin/ls");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(ls), "no /bin/ls on this machine");
        assertThat(run("analyze", "--csv", ls.toString())).isZero();
        String csv = out.toString(StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("location,callee");
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
        assertThat(run("analyze", "pom.xml")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow())
                .startsWith("lgmalloc: analyze: ").doesNotContain("Exception");
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
