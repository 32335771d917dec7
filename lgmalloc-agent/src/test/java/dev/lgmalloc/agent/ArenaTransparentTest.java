package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transparent mode for {@code Arena.ofConfined()} and {@code Arena.ofShared()} in an unmodified program. */
class ArenaTransparentTest {

    /** The jextract pattern (an arena per call, a string and a struct, a downcall) and a shared arena across threads. */
    private static final String APP = """
            package app;

            import static java.lang.foreign.ValueLayout.ADDRESS;
            import static java.lang.foreign.ValueLayout.JAVA_INT;
            import static java.lang.foreign.ValueLayout.JAVA_LONG;

            import java.lang.foreign.Arena;
            import java.lang.foreign.FunctionDescriptor;
            import java.lang.foreign.Linker;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.StructLayout;
            import java.lang.invoke.MethodHandle;

            public class ArenaApp {
                static final Linker LINKER = Linker.nativeLinker();
                static final MethodHandle STRLEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strlen"),
                        FunctionDescriptor.of(JAVA_LONG, ADDRESS));
                static final StructLayout POINT = MemoryLayout.structLayout(JAVA_INT.withName("x"), JAVA_INT.withName("y"));

                public static void main(String[] args) throws Throwable {
                    long checksum = 0;
                    String kind = null;
                    for (int i = 0; i < 20_000; i++) {
                        try (Arena arena = Arena.ofConfined()) {
                            kind = arena.getClass().getName();
                            MemorySegment name = arena.allocateFrom("call-" + i);
                            MemorySegment p = arena.allocate(POINT);
                            checksum += p.get(JAVA_INT, 0);        // zeroed
                            p.set(JAVA_INT, 4, i);
                            checksum = checksum * 31 + (long) STRLEN.invokeExact(name) + p.get(JAVA_INT, 4);
                        }
                    }
                    MemorySegment[] parts = new MemorySegment[4];
                    try (Arena shared = Arena.ofShared()) {
                        Thread[] threads = new Thread[parts.length];
                        for (int t = 0; t < parts.length; t++) {
                            int index = t;
                            threads[t] = new Thread(() -> {
                                parts[index] = shared.allocate(JAVA_LONG);
                                parts[index].set(JAVA_LONG, 0, index + 1);
                            });
                            threads[t].start();
                        }
                        for (Thread t : threads) {
                            t.join();
                        }
                        for (MemorySegment part : parts) {
                            checksum = checksum * 31 + part.get(JAVA_LONG, 0);
                        }
                        kind += " " + shared.getClass().getName();
                    }
                    boolean closed = !parts[0].scope().isAlive();
                    String[] onVirtual = new String[1];
                    Thread.ofVirtual().start(() -> {
                        try (Arena arena = Arena.ofConfined()) {
                            arena.allocate(POINT).set(JAVA_INT, 0, 7);
                            onVirtual[0] = arena.getClass().getName();
                        }
                    }).join();
                    System.out.println("checksum=" + checksum + " arenas=" + kind + " closed=" + closed
                            + " virtual=" + onVirtual[0]);
                }
            }
            """;

    /** Loaded by a class loader that cannot see the agent's classes: it must keep working, unchanged. */
    private static final String ISOLATED = """
            package iso;

            import java.lang.foreign.Arena;

            public class Isolated {
                public static String run() {
                    try (Arena arena = Arena.ofConfined()) {
                        arena.allocate(64).set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 42);
                        return arena.getClass().getName();
                    }
                }
            }
            """;

    private static final String ISOLATING_MAIN = """
            package app;

            import java.net.URL;
            import java.net.URLClassLoader;
            import java.nio.file.Path;

            public class IsolatingMain {
                public static void main(String[] args) throws Exception {
                    URL classes = Path.of(args[0]).toUri().toURL();
                    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes},
                            ClassLoader.getPlatformClassLoader())) {
                        Object kind = loader.loadClass("iso.Isolated").getMethod("run").invoke(null);
                        System.out.println("isolated arena=" + kind);
                    }
                }
            }
            """;

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compileApp() throws Exception {
        classes = dir.resolve("classes");
        TestApps.compile(dir.resolve("src"), classes, List.<String[]>of(new String[]{"app/ArenaApp.java", APP},
                new String[]{"iso/Isolated.java", ISOLATED}, new String[]{"app/IsolatingMain.java", ISOLATING_MAIN}));
    }

    @Test
    void arenaFactoriesAreRewrittenAndTheClassStillVerifies() throws Exception {
        byte[] original = Files.readAllBytes(classes.resolve("app/ArenaApp.class"));
        TransparentRewriter.Rewritten out = TransparentRewriter.rewrite(original,
                EnumSet.of(TransparentRewriter.Family.ARENA));
        assertThat(out).isNotNull();
        assertThat(out.counts()).containsEntry(TransparentRewriter.Family.ARENA, 3);
        assertThat(java.lang.classfile.ClassFile.of().verify(out.bytes())).isEmpty();
    }

    private static final Pattern OUTPUT = Pattern.compile(
            "checksum=(-?\\d+) arenas=(\\S+) (\\S+) closed=(\\w+) virtual=(\\S+)");

    @Test
    void anUnmodifiedArenaProgramGetsLgMallocArenasUnderTheAgent() throws Exception {
        String cp = classes.toString();
        TestApps.Run plain = TestApps.java(dir, List.of("--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "app.ArenaApp"));
        TestApps.Run agent = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off,arena=on",
                "-Xverify:all", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "app.ArenaApp"));
        TestApps.Run off = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=cache=off,arena=off",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, "app.ArenaApp"));
        TestApps.Run stripes = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=cache=off,arena=on",
                "-Dlgmalloc.carrierHeaps=false", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "app.ArenaApp"));
        for (TestApps.Run r : List.of(plain, agent, off, stripes)) {
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stderr()).as("%s", r).doesNotContain("Exception", "VerifyError", "left the JDK");
        }
        Matcher p = match(plain);
        Matcher a = match(agent);
        Matcher o = match(off);
        assertThat(a.group(1)).as("same results").isEqualTo(p.group(1)).isEqualTo(o.group(1));
        assertThat(p.group(2)).startsWith("jdk.internal.foreign");
        assertThat(a.group(2)).isEqualTo("dev.lgmalloc.LgArena");
        assertThat(a.group(3)).isEqualTo("dev.lgmalloc.LgArena");
        assertThat(o.group(2)).startsWith("jdk.internal.foreign");
        assertThat(a.group(4)).isEqualTo("true");
        // On a virtual thread too: its arena takes its chunk from the carrier's spare (the agent exports what
        // lets lgmalloc see carriers). Without carrier heaps, the JDK's arena, faster there than one on stripes.
        assertThat(a.group(5)).isEqualTo("dev.lgmalloc.LgArena");
        assertThat(p.group(5)).startsWith("jdk.internal.foreign");
        Matcher s = match(stripes);
        assertThat(s.group(1)).isEqualTo(p.group(1));
        assertThat(s.group(2)).isEqualTo("dev.lgmalloc.LgArena");
        assertThat(s.group(5)).startsWith("jdk.internal.foreign");
        assertThat(agent.stderr()).contains("rewrote 3 Arena call(s) of app/ArenaApp");
    }

    private static Matcher match(TestApps.Run run) {
        return TestApps.find(OUTPUT, run);
    }

    @Test
    void aClassTheAgentCannotRewriteKeepsWorkingUnchanged() throws Exception {
        TestApps.Run run = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off,arena=on",
                "--enable-native-access=ALL-UNNAMED", "-cp", classes.toString(), "app.IsolatingMain",
                classes.toString()));
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).contains("isolated arena=jdk.internal.foreign");
        assertThat(run.stderr()).contains("left the JDK allocation calls of iso/Isolated")
                .contains("does not see the agent's classes");
    }
}
