package dev.lgmalloc.agent;

import dev.lgmalloc.LgMalloc;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles sample applications at test time and runs them in child JVMs. */
final class TestApps {

    private TestApps() {
    }

    /** The output of a child JVM. */
    record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** The core's classes (JAR or directory) as the tests see them. */
    static Path coreClasses() {
        try {
            return Path.of(LgMalloc.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shaded agent JAR the build made before the tests. */
    static Path agentJar() {
        Path jar = Path.of(System.getProperty("lgmalloc.agent.jar", "target/lgmalloc-agent.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("agent JAR not built: " + jar.toAbsolutePath());
        }
        return jar.toAbsolutePath();
    }

    /** Compiles {@code sources} (relative path to text) against the core into {@code out}. */
    static void compile(Path srcDir, Path out, List<String[]> sources) throws IOException {
        List<String> files = new ArrayList<>();
        for (String[] s : sources) {
            Path f = srcDir.resolve(s[0]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, s[1]);
            files.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", coreClasses().toString(), "-g"));
        args.addAll(files);
        StringWriter err = new StringWriter();
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("javac failed: " + err);
        }
    }

    /** Runs {@code java <args>} and waits at most a minute. */
    static Run java(Path workDir, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        Path out = workDir.resolve("stdout.txt");
        Path err = workDir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM timed out: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The first match of {@code pattern} in a run's standard output; fails the test, showing the run, if none. */
    static java.util.regex.Matcher find(java.util.regex.Pattern pattern, Run run) {
        java.util.regex.Matcher m = pattern.matcher(run.stdout());
        org.assertj.core.api.Assertions.assertThat(m.find()).as("%s", run).isTrue();
        return m;
    }

    /** The JDK's {@code sun.misc.Unsafe} instance, for tests of what transparent mode does with it. */
    @SuppressWarnings("removal")
    static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
    }
}
