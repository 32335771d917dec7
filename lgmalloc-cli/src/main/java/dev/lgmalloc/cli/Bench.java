package dev.lgmalloc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code lgmalloc bench}: runs the comparison suite from the benchmarks JAR that lgmalloc.jar carries, in a JVM of
 * its own, with every argument passed on: the suite parses them, and answers {@code --help}, itself
 * ({@link Main#run} hands the command line over before parsing it). The suite's {@code lgmalloc-plan} peer gets
 * lgmalloc.jar as its agent. This class is registered with the other commands for the command list.
 */
@Command(name = "bench",
        description = {"Compare lgmalloc with glibc, jemalloc, mimalloc, tcmalloc, JDK arenas and Netty on the"
                + " mimalloc-bench workloads (with --jmh also the microbenchmarks); 'lgmalloc bench --help' lists the"
                + " workloads, allocators and options."})
final class Bench {

    /** Runs the suite with {@code args} and returns its exit status. */
    static int launch(List<String> args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path self = EmbeddedJars.self();
        Path work = Files.createTempDirectory("lgmalloc-bench");
        try {
            Path benchmarks = EmbeddedJars.extract(EmbeddedJars.BENCHMARKS, work);
            List<String> command = new ArrayList<>(List.of(EmbeddedJars.java(), "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow", "-Dlgmalloc.bench.agent=" + self,
                    "-cp", benchmarks.toString(), "dev.lgmalloc.bench.suite.SuiteMain"));
            command.addAll(args);
            Process suite = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            Thread errors = Thread.ofPlatform().start(() -> copy(suite.getErrorStream(), err));
            copy(suite.getInputStream(), out);
            int status = suite.waitFor();
            errors.join();
            return status;
        } finally {
            EmbeddedJars.deleteTree(work);
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        try (from) {
            from.transferTo(to);
            to.flush();
        } catch (IOException e) {
            // the suite ended or its output was closed: nothing more to pass on
        }
    }
}
