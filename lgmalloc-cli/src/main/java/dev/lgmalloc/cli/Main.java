package dev.lgmalloc.cli;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.PrintStream;
import java.util.List;

/**
 * The {@code lgmalloc} command. Exit status: 0 done, 1 failed while running, 2 a command-line mistake (one line and
 * the usage), 3 an input it cannot read (one line naming the input and what is wrong with it).
 */
public final class Main {

    static final String USAGE = """
            usage: lgmalloc <command> [options]
              demo [--quick]     run an off-heap message pipeline on lgmalloc under its agent, on glibc and on
                                 the JDK's Arena, each in a fresh JVM, and compare throughput and RSS
              analyze [--json|--json-lines|--csv] [--threshold X] FILE...
                                 find allocation sites in an x86-64 ELF binary or in JARs, class directories
                                 or class files; print each site's file, predicted sizes, confidence, whether
                                 it is routed (and why not) and the size-class plan. --json: one indented
                                 object; --json-lines: one object per site per line, then a summary line
              bench [--quick] [--workloads ...] [--allocators ...] [--threads N] [--jmh] [--out DIR]
                                 compare lgmalloc with glibc, jemalloc, mimalloc, tcmalloc, JDK arenas and Netty
                                 ('lgmalloc bench --help' lists the workloads and allocators)
              <command> --help   that command's usage
            global option, anywhere: --debug prints stack traces of errors
            exit status: 0 done, 1 failed, 2 usage error, 3 unreadable input
            """;

    static final int USAGE_ERROR = 2;
    static final int BAD_INPUT = 3;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the command and returns the process exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        boolean debug = args.contains("--debug");
        args = args.stream().filter(a -> !a.equals("--debug")).toList();   // a global option, anywhere
        if (args.isEmpty() || args.getFirst().equals("--help") || args.getFirst().equals("-h")) {
            out.print(USAGE);
            return args.isEmpty() ? USAGE_ERROR : 0;
        }
        List<String> rest = args.subList(1, args.size());
        if ((rest.contains("--help") || rest.contains("-h")) && !args.getFirst().equals("bench")) {
            out.print(commandUsage(args.getFirst()));        // bench has a --help of its own
            return 0;
        }
        try {
            return switch (args.getFirst()) {
                case "demo" -> Demo.run(DemoOptions.parse(rest), out);
                case "analyze" -> Analyze.run(Analyze.Options.parse(rest), out);
                case "bench" -> dev.lgmalloc.bench.suite.SuiteMain.run(rest, out, err);
                default -> throw new UsageException("unknown command '" + args.getFirst() + "'");
            };
        } catch (UsageException e) {
            err.println("lgmalloc: " + e.getMessage());
            err.print(USAGE);
            return USAGE_ERROR;
        } catch (AnalysisException e) {
            // Not a usage mistake: the command was right, an input is not what it should be.
            err.println("lgmalloc: " + args.getFirst() + ": " + e.getMessage());
            if (debug) {
                e.printStackTrace(err);
            }
            return BAD_INPUT;
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            err.println("lgmalloc: " + args.getFirst() + " failed: " + e);
            if (debug) {
                e.printStackTrace(err);
            } else {
                err.println("lgmalloc: run again with --debug for the stack trace");
            }
            return 1;
        }
    }

    /** The usage lines of one command: its lines of {@link #USAGE}, or all of it for an unknown command. */
    static String commandUsage(String command) {
        StringBuilder usage = new StringBuilder("usage: lgmalloc ");
        boolean inCommand = false;
        for (String line : USAGE.lines().toList()) {
            if (line.startsWith("  " + command + " ") || line.equals("  " + command)) {
                inCommand = true;
                usage.append(line.strip()).append('\n');
            } else if (inCommand && line.startsWith("    ")) {
                usage.append("  ").append(line.strip()).append('\n');
            } else {
                inCommand = false;
            }
        }
        return usage.length() == "usage: lgmalloc ".length() ? USAGE : usage.toString();
    }

    /** Options of {@code lgmalloc demo}. */
    record DemoOptions(boolean quick) {
        static DemoOptions parse(List<String> args) {
            boolean quick = false;
            for (String a : args) {
                if (a.equals("--quick")) {
                    quick = true;
                } else {
                    throw new UsageException("demo: unknown option '" + a + "' (options: --quick)");
                }
            }
            return new DemoOptions(quick);
        }
    }

    /** A command-line mistake: reported in one line, never as a stack trace. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
