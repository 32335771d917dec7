package dev.lgmalloc.cli;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.PrintStream;
import java.util.List;

/** The {@code lgmalloc} command. Errors print one line and a usage hint and exit with status 2. */
public final class Main {

    static final String USAGE = """
            usage: lgmalloc <command> [options]
              demo [--quick]     run an off-heap message pipeline on lgmalloc under its agent, on glibc and on
                                 the JDK's Arena, each in a fresh JVM, and compare throughput and RSS
              analyze [--json|--csv] [--threshold X] FILE...
                                 find allocation sites in an x86-64 ELF binary or in JARs, class directories
                                 or class files; print predicted sizes, confidence and the size-class plan
              bench [--quick] [--workloads ...] [--allocators ...] [--threads N] [--jmh] [--out DIR]
                                 compare lgmalloc with glibc, jemalloc, mimalloc, tcmalloc, JDK arenas and Netty
                                 ('lgmalloc bench --help' lists the workloads and allocators)
            global option: --debug prints stack traces of errors
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the command and returns the process exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.getFirst().equals("--help") || args.getFirst().equals("-h")) {
            out.print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        boolean debug = args.contains("--debug");
        List<String> rest = args.subList(1, args.size()).stream().filter(a -> !a.equals("--debug")).toList();
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
            return 2;
        } catch (AnalysisException e) {
            err.println("lgmalloc: " + args.getFirst() + ": " + e.getMessage());
            if (debug) {
                e.printStackTrace(err);
            } else {
                err.println("lgmalloc: see 'lgmalloc --help' for usage");
            }
            return 2;
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
