package dev.lgmalloc.cli;

import dev.lgmalloc.commandline.Commands;
import dev.lgmalloc.commandline.UsageException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The {@code lgmalloc} command. A command is one class with a picocli {@code @Command} and one entry in
 * {@code subcommands} below. Exit status: 0 done, 1 failed while running, 2 a command-line mistake (one line and
 * the command's usage), 3 an input it cannot read (one line naming the input and what is wrong with it).
 */
@Command(name = "lgmalloc", subcommands = {Demo.class, Analyze.class, Plan.class, Bench.class},
        description = "lgmalloc, a predictive off-heap allocator for the JVM: its demo, its analysers, its benchmarks.",
        footer = {"", "'lgmalloc <command> --help' gives that command's usage. --help and --debug go anywhere.",
                "exit status: 0 done, 1 failed, 2 usage error, 3 unreadable or malformed input"})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the command and returns the process exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        int command = 0;
        while (command < args.size() && args.get(command).startsWith("-")) {
            command++;                                   // global options may come first
        }
        if (command < args.size() && args.get(command).equals("bench")) {
            // The suite is another program (the benchmarks JAR): it gets the whole line, --help included.
            List<String> rest = new java.util.ArrayList<>(args);
            rest.remove(command);
            try {
                return Bench.launch(rest, out, err);
            } catch (java.io.IOException | InterruptedException e) {
                err.println("lgmalloc bench failed: " + e);
                return dev.lgmalloc.commandline.ExitCodes.FAILED;
            }
        }
        return Commands.execute(new Main(), args, out, err);
    }

    @Override
    public Integer call() {
        throw new UsageException("give a command: demo, analyze, plan or bench");
    }
}
