package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
