package dev.lgmalloc.elf.survey;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The survey's allocation tracer: an {@code LD_PRELOAD} shim compiled here with gcc from its C source
 * ({@code alloc-trace.c}, a resource next to this class), and a way to run a program under it. Each traced
 * process writes its counts to {@code trace.<pid>} in the trace directory when it exits ({@link RuntimeCalls}
 * reads them).
 */
public final class PreloadTracer {

    private final Path library;

    private PreloadTracer(Path library) {
        this.library = library;
    }

    /** Compiles the shim into {@code workDir}; fails with gcc's message when it cannot. */
    public static PreloadTracer build(Path workDir) throws IOException, InterruptedException {
        Path source = workDir.resolve("alloc-trace.c");
        try (InputStream in = PreloadTracer.class.getResourceAsStream("alloc-trace.c")) {
            if (in == null) {
                throw new IOException("alloc-trace.c is missing from the classpath");
            }
            Files.copy(in, source, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path library = workDir.resolve("alloc-trace.so");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-o", library.toString(), source.toString(),
                "-ldl", "-lpthread").redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes());
        if (gcc.waitFor() != 0) {
            throw new IOException("gcc could not build the tracer:\n" + output);
        }
        return new PreloadTracer(library);
    }

    /**
     * Runs {@code command} in {@code directory} with the tracer preloaded, counts going to {@code traceDir};
     * {@code env} adds variables. Output is discarded; a non-zero exit or a timeout fails.
     */
    public void run(List<String> command, Path directory, Path traceDir, Map<String, String> env, long seconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile());
        pb.environment().putAll(env);
        pb.environment().put("LD_PRELOAD", library.toString());
        pb.environment().put("LGM_TRACE_DIR", traceDir.toString());
        Path log = Files.createTempFile(traceDir.getParent(), "run", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + seconds + " s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + command + "\n" + Files.readString(log));
        }
        Files.delete(log);
    }
}
