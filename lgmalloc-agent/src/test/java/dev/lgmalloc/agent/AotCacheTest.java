package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on the JDK's AOT cache (JEP 483/514): a short-lived program that trains a cache once
 * ({@code -XX:AOTCacheOutput}) starts lgmalloc's and FFM's classes from it, and the agent still rewrites the
 * program's allocation calls as its classes load (docs/BENCHMARKS.md: the first malloc, 38 against 14 ms).
 */
class AotCacheTest {

    private static final String APP = """
            package app;

            import java.lang.foreign.Arena;
            import java.lang.foreign.ValueLayout;
            import java.nio.ByteBuffer;

            public class ShortLived {
                public static void main(String[] args) {
                    String kind;
                    long sum;
                    try (Arena arena = Arena.ofConfined()) {
                        kind = arena.getClass().getName();
                        var s = arena.allocate(256);
                        s.set(ValueLayout.JAVA_LONG, 8, 41);
                        sum = s.get(ValueLayout.JAVA_LONG, 0) + s.get(ValueLayout.JAVA_LONG, 8);
                    }
                    ByteBuffer direct = ByteBuffer.allocateDirect(4096);
                    direct.putLong(0, 1);
                    System.out.println("arena=" + kind + " sum=" + (sum + direct.getLong(0)));
                }
            }
            """;

    @TempDir
    static Path dir;
    static Path jar;

    @BeforeAll
    static void buildApp() throws Exception {
        Path classes = dir.resolve("classes");
        TestApps.compile(dir.resolve("src"), classes, List.<String[]>of(new String[]{"app/ShortLived.java", APP}));
        // A cache records a class path of JARs: directories are refused.
        jar = dir.resolve("short-lived.jar");
        int rc = ToolProvider.findFirst("jar").orElseThrow()
                .run(System.out, System.err, "--create", "--file", jar.toString(), "-C", classes.toString(), ".");
        assertThat(rc).isZero();
    }

    @Test
    void aTrainedCacheStartsLgMallocFromItAndTheAgentStillRewrites() throws Exception {
        Path cache = dir.resolve("app.aot");
        List<String> common = List.of("-javaagent:" + TestApps.agentJar() + "=verbose,cache=off",
                "--enable-native-access=ALL-UNNAMED", "-cp", TestApps.agentJar() + java.io.File.pathSeparator + jar,
                "app.ShortLived");
        TestApps.Run training = TestApps.java(dir, concat(List.of("-XX:AOTCacheOutput=" + cache), common));
        TestApps.find(Pattern.compile("arena=dev\\.lgmalloc\\.LgArena sum=42"), training);
        assertThat(training.exitCode()).as("%s", training).isZero();
        assertThat(cache).isRegularFile();

        // AOTMode=on: the JVM fails instead of quietly starting without the cache.
        TestApps.Run cached = TestApps.java(dir, concat(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache,
                "-Xlog:class+load=info:file=classes.log"), common));
        assertThat(cached.exitCode()).as("%s", cached).isZero();
        TestApps.find(Pattern.compile("arena=dev\\.lgmalloc\\.LgArena sum=42"), cached);
        assertThat(cached.stderr()).as("%s", cached)
                .contains("rewrote 1 Arena call(s), 1 direct buffer call(s) of app/ShortLived");
        assertThat(cached.stderr()).as("the agent's JAR is on the class path, not in the analysis")
                .contains("classpath entries (not the agent's own JAR)");
        String loaded = java.nio.file.Files.readString(dir.resolve("classes.log"));
        assertThat(loaded).as("lgmalloc's classes come from the cache")
                .containsPattern("dev\\.lgmalloc\\.LgArena source: shared objects file")
                .containsPattern("dev\\.lgmalloc\\.internal\\.Heap source: shared objects file");
    }

    @Test
    void onlyAJarOfLgmallocAloneIsLeftOutOfTheAnalysis() {
        assertThat(AgentStartup.holdsOnlyLgmalloc(TestApps.agentJar())).isTrue();
        assertThat(AgentStartup.holdsOnlyLgmalloc(jar)).as("an application's JAR").isFalse();
        ApplicationClassPath both = ApplicationClassPath.of(TestApps.agentJar() + java.io.File.pathSeparator + jar);
        assertThat(AgentStartup.analysedEntries(both, TestApps.agentJar()))
                .containsExactly(jar.toAbsolutePath().normalize());
        assertThat(AgentStartup.analysedEntries(both, jar.toAbsolutePath().normalize())).as("an application's JAR")
                .hasSize(2);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
