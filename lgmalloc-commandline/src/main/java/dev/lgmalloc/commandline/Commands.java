package dev.lgmalloc.commandline;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Runs an lgmalloc command (a picocli {@code @Command}, usually with subcommands) and reports every mistake in one
 * style: one line {@code lgmalloc <command>: <what is wrong>}, then that command's synopsis for a usage mistake
 * (exit 2); the line alone for a bad input (exit 3); {@code lgmalloc <command> failed: ...} for a failure (exit 1).
 * {@code --debug} adds the stack trace. No colours: the output is the same on a terminal and in a log.
 */
public final class Commands {

    private Commands() {
    }

    /** Runs {@code command} with {@code args} and returns the exit status ({@link ExitCodes}). */
    public static int execute(Object command, List<String> args, PrintStream out, PrintStream err) {
        CommandLine line = new CommandLine(command);
        String name = line.getCommandName();
        if (!name.startsWith("lgmalloc")) {
            line.setCommandName("lgmalloc " + name);        // a command run on its own (the benchmarks JAR's suite)
        }
        // --help and --debug on the command run, inherited by its subcommands: each command need not declare them.
        line.getCommandSpec().addMixin("common", CommandSpec.forAnnotatedObject(new CommonOptions()));
        line.setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF))
                .setOverwrittenOptionsAllowed(true)            // the last --threshold wins, as in most tools
                .setParameterExceptionHandler(Commands::usageMistake)
                .setExecutionExceptionHandler(Commands::failure);
        usageHeadings(line);
        return line.execute(args.toArray(String[]::new));
    }

    /** {@code usage:} in lower case, as in the messages, for the command and all its subcommands. */
    private static void usageHeadings(CommandLine line) {
        line.getCommandSpec().usageMessage().synopsisHeading("usage: ");
        line.getSubcommands().values().forEach(Commands::usageHeadings);
    }

    private static int usageMistake(ParameterException e, String[] args) {
        CommandLine where = e.getCommandLine();
        usageMistake(where, UsageMessages.of(e));
        return ExitCodes.USAGE;
    }

    private static int failure(Exception e, CommandLine where, ParseResult parsed) {
        PrintWriter err = where.getErr();
        switch (e) {
            case UsageException u -> {
                usageMistake(where, u.getMessage());
                return ExitCodes.USAGE;
            }
            case BadInputException b -> {
                err.println(prefix(where) + ": " + b.getMessage());
                if (debug(parsed)) {
                    b.printStackTrace(err);
                }
                return ExitCodes.BAD_INPUT;
            }
            default -> {
                err.println(prefix(where) + " failed: " + e);
                if (debug(parsed)) {
                    e.printStackTrace(err);
                } else {
                    err.println("lgmalloc: run again with --debug for the stack trace");
                }
                return ExitCodes.FAILED;
            }
        }
    }

    /** The mistake, the command's synopsis and where its whole usage is: enough to fix the line, not a page. */
    private static void usageMistake(CommandLine where, String message) {
        PrintWriter err = where.getErr();
        Help help = where.getHelp();
        err.println(prefix(where) + ": " + message);
        err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeadingLength()));
        err.println("('" + prefix(where) + " --help' describes every option)");
    }

    /** {@code lgmalloc analyze}: the command the message is about. */
    private static String prefix(CommandLine where) {
        return where.getCommandSpec().qualifiedName();
    }

    /** Whether {@code --debug} was given, before the command's name or after it. */
    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** picocli's parse errors in the words lgmalloc's own checks use. */
    static final class UsageMessages {

        private UsageMessages() {
        }

        static String of(ParameterException e) {
            CommandSpec spec = e.getCommandLine().getCommandSpec();
            return switch (e) {
                case CommandLine.UnmatchedArgumentException u when !u.getUnmatched().isEmpty() ->
                        unmatched(u.getUnmatched().getFirst(), spec);
                case CommandLine.MissingParameterException m when !m.getMissing().isEmpty() ->
                        missing(m.getMissing().getFirst());
                default -> e.getMessage();
            };
        }

        private static String unmatched(String argument, CommandSpec spec) {
            if (argument.startsWith("-")) {
                return "unknown option '" + argument + "' (options: " + String.join(", ", spec.options().stream()
                        .map(OptionSpec::longestName).toList()) + ")";
            }
            if (!spec.subcommands().isEmpty()) {
                return "unknown command '" + argument + "' (commands: "
                        + String.join(", ", spec.subcommands().keySet()) + ")";
            }
            return "unexpected argument '" + argument + "'";
        }

        private static String missing(ArgSpec arg) {
            return arg instanceof OptionSpec option ? option.longestName() + " needs a value"
                    : "missing " + arg.paramLabel();
        }
    }
}
