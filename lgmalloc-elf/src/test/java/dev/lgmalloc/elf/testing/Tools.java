package dev.lgmalloc.elf.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds and runs the machine's tools (gcc, objdump) for tests that compare against them. */
public final class Tools {

    private Tools() {
    }

    /** Whether {@code name} is an executable on the PATH. */
    public static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command, returns its standard output; fails on a non-zero exit or after {@code seconds}. */
    public static String run(long seconds, List<String> command) throws IOException, InterruptedException {
        return run(seconds, command, null);
    }

    /** Runs a command with extra environment variables ({@code NAME=value} strings). */
    public static String run(long seconds, List<String> command, List<String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        if (env != null) {
            for (String e : env) {
                int eq = e.indexOf('=');
                pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        Path err = Files.createTempFile("lgm-err", ".txt");
        pb.redirectError(err.toFile());
        Process process = pb.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String stderr = Files.readString(err);
        Files.deleteIfExists(err);
        if (process.exitValue() != 0) {
            throw new IOException("exit " + process.exitValue() + ": " + command + "\n" + stderr);
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes {@code text} to {@code source} and builds it into {@code binary} with {@code compiler} ({@code gcc} or
     * {@code g++}) and {@code flags}; fails as {@link #run} does.
     */
    public static Path build(Path source, String text, Path binary, String compiler, String... flags)
            throws IOException, InterruptedException {
        Files.writeString(source, text);
        List<String> command = new java.util.ArrayList<>(List.of(compiler));
        command.addAll(List.of(flags));
        command.addAll(List.of("-o", binary.toString(), source.toString()));
        run(120, command);
        return binary;
    }

    /** Those of {@code candidates} that exist. */
    public static List<Path> existing(String... candidates) {
        List<Path> found = new ArrayList<>();
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isRegularFile(p)) {
                found.add(p);
            }
        }
        return found;
    }
}
