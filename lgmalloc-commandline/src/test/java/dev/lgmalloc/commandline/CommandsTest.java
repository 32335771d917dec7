package dev.lgmalloc.commandline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CommandsTest {

    @Command(name = "lgmalloc", subcommands = Tool.class, description = "the root")
    static final class Root implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UsageException("give a command");
        }
    }

    @Command(name = "tool", description = "does what --outcome says")
    static final class Tool implements Callable<Integer> {
        @Option(names = "--outcome", paramLabel = "WHAT")
        String outcome = "ok";

        @Override
        public Integer call() throws IOException {
            return switch (outcome) {
                case "ok" -> 0;
                case "usage" -> throw UsageException.badValue("--outcome", "ok or usage", "usage");
                case "input" -> throw new BadInputException("in.bin: not an ELF binary", null);
                default -> throw new IOException("disk on fire");
            };
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Commands.execute(new Root(), List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exitCodesTellUsageMistakesFromBadInputFromFailures() {
        assertThat(run("tool")).isZero();
        assertThat(run("tool", "--outcome", "usage")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).startsWith("lgmalloc tool: --outcome must be ok or usage, not 'usage'\nusage: lgmalloc tool");
        assertThat(run("tool", "--outcome", "input")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err()).isEqualTo("lgmalloc tool: in.bin: not an ELF binary\n");
        assertThat(run("tool", "--outcome", "fire")).isEqualTo(ExitCodes.FAILED);
        assertThat(err()).startsWith("lgmalloc tool failed: java.io.IOException: disk on fire\n")
                .contains("--debug").doesNotContain("\tat ");
    }

    @Test
    void parseMistakesReadLikeTheCommandsOwn() {
        assertThat(run("tool", "--fast")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).startsWith("lgmalloc tool: unknown option '--fast' (options: ");
        assertThat(run("tool", "--outcome")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).startsWith("lgmalloc tool: --outcome needs a value\n");
        assertThat(run("frobnicate")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).startsWith("lgmalloc: unknown command 'frobnicate' (commands: tool)\nusage: lgmalloc");
        assertThat(run()).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).startsWith("lgmalloc: give a command\n");
    }

    @Test
    void aSubcommandRunOnItsOwnHasHelpAndDebugToo() {
        out.reset();
        assertThat(Commands.execute(new Tool(), List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: lgmalloc tool").contains("--debug");
        assertThat(Commands.execute(new Tool(), List.of("--outcome", "input"), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(3);
        assertThat(err()).startsWith("lgmalloc tool: in.bin");
    }

    @Test
    void helpAndDebugWorkBeforeAndAfterTheCommand() {
        assertThat(run("tool", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: lgmalloc tool").contains("--outcome")
                .doesNotContain("\u001b[");
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("tool", "does what --outcome says");
        assertThat(run("--debug", "tool", "--outcome", "fire")).isEqualTo(ExitCodes.FAILED);
        assertThat(err()).contains("\tat ");
        assertThat(run("tool", "--outcome", "fire", "--debug")).isEqualTo(ExitCodes.FAILED);
        assertThat(err()).contains("\tat ");
    }
}
