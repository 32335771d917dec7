package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.agent.runtime.UnsafeMemory;
import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.util.EnumSet;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Unsafe;

/** Transparent mode for {@code sun.misc.Unsafe}: the bridge's contract, the rewrite, and an unmodified program. */
@SuppressWarnings("removal")
class UnsafeTransparentTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** An unmodified program written only against Unsafe: no lgmalloc anywhere in its source. */
    private static final String APP = """
            package app;

            import java.lang.invoke.MethodHandle;
            import java.lang.invoke.MethodHandles;
            import java.lang.invoke.MethodType;
            import java.lang.reflect.Field;
            import sun.misc.Unsafe;

            public class UnsafeApp {
                public static void main(String[] args) throws Throwable {
                    Field f = Unsafe.class.getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    Unsafe u = (Unsafe) f.get(null);
                    long checksum = 0;
                    long[] blocks = new long[2000];
                    for (int i = 0; i < blocks.length; i++) {
                        blocks[i] = u.allocateMemory(8 + i % 700);
                        u.putLong(blocks[i], i);
                    }
                    for (int i = 0; i < blocks.length; i += 3) {
                        blocks[i] = u.reallocateMemory(blocks[i], 4000 + i);   // contents kept
                    }
                    int owned = 0;
                    for (long b : blocks) {
                        owned += ownedByLgMalloc(b) ? 1 : 0;
                    }
                    for (int i = 0; i < blocks.length; i++) {
                        checksum = checksum * 31 + u.getLong(blocks[i]);
                        u.freeMemory(blocks[i]);
                    }
                    // Memory this class gets from the original Unsafe (a method handle is not a call site)
                    // is freed at a rewritten site: it must go back to the original allocator.
                    MethodHandle allocate = MethodHandles.lookup().findVirtual(Unsafe.class, "allocateMemory",
                            MethodType.methodType(long.class, long.class));
                    long foreign = (long) allocate.invokeExact(u, 256L);
                    u.putLong(foreign, 42);
                    foreign = u.reallocateMemory(foreign, 512);
                    checksum = checksum * 31 + u.getLong(foreign);
                    boolean foreignOwned = ownedByLgMalloc(foreign);
                    u.freeMemory(foreign);
                    System.out.println("checksum=" + checksum + " owned=" + owned + " foreignOwned=" + foreignOwned);
                }

                static boolean ownedByLgMalloc(long address) throws Exception {
                    try {
                        return (boolean) Class.forName("dev.lgmalloc.LgMalloc").getMethod("owns", long.class)
                                .invoke(null, address);
                    } catch (ClassNotFoundException e) {
                        return false;
                    }
                }
            }
            """;

    /** A class of a package excluded from allocation rewriting, freeing what a rewritten class allocated. */
    private static final String FREER = """
            package app.excluded;

            import sun.misc.Unsafe;

            public class Freer {
                public static long copyAndFree(Unsafe u, long block) {
                    long fresh = u.allocateMemory(16);               // stays the JDK's: the package is excluded
                    u.putLong(fresh, u.getLong(block));
                    u.freeMemory(block);                             // lgmalloc's block, freed here all the same
                    long value = u.getLong(fresh);
                    u.freeMemory(fresh);
                    return value;
                }
            }
            """;

    private static final String MIXED = """
            package app;

            import java.lang.reflect.Field;
            import sun.misc.Unsafe;

            public class Mixed {
                public static void main(String[] args) throws Exception {
                    Field f = Unsafe.class.getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    Unsafe u = (Unsafe) f.get(null);
                    long sum = 0;
                    for (int i = 0; i < 1000; i++) {
                        long block = u.allocateMemory(32);
                        u.putLong(block, i);
                        sum += app.excluded.Freer.copyAndFree(u, block);
                    }
                    System.out.println("sum=" + sum);
                }
            }
            """;

    /** Method references are handle constants, not calls: the lambda frees what the call allocated. */
    private static final String HANDLES = """
            package app;

            import java.lang.foreign.Arena;
            import java.lang.reflect.Field;
            import java.util.function.LongConsumer;
            import java.util.function.Supplier;
            import sun.misc.Unsafe;

            public class Handles {
                public static void main(String[] args) throws Exception {
                    Field f = Unsafe.class.getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    Unsafe u = (Unsafe) f.get(null);
                    LongConsumer free = u::freeMemory;
                    Supplier<Arena> arenas = Arena::ofConfined;
                    long sum = 0;
                    for (int i = 0; i < 1000; i++) {
                        long block = u.allocateMemory(64);
                        u.putLong(block, i);
                        sum += u.getLong(block);
                        free.accept(block);
                        try (Arena arena = arenas.get()) {
                            sum += arena.allocate(8).get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
                        }
                    }
                    System.out.println("sum=" + sum + " arena=" + arenas.get().getClass().getName());
                }
            }
            """;

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compileApp() throws Exception {
        classes = dir.resolve("classes");
        TestApps.compile(dir.resolve("src"), classes, List.<String[]>of(new String[]{"app/UnsafeApp.java", APP},
                new String[]{"app/excluded/Freer.java", FREER}, new String[]{"app/Mixed.java", MIXED},
                new String[]{"app/Handles.java", HANDLES}));
    }

    // ---------------------------------------------------------------- the bridge's contract

    @Test
    void theBridgeKeepsUnsafesContract() throws Exception {
        Unsafe u = TestApps.unsafe();
        assertThat(UnsafeMemory.allocateMemory(u, 0)).isZero().isEqualTo(u.allocateMemory(0));
        assertThatThrownBy(() -> u.allocateMemory(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnsafeMemory.allocateMemory(u, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnsafeMemory.reallocateMemory(u, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        UnsafeMemory.freeMemory(u, 0);                               // as Unsafe: ignored

        long p = UnsafeMemory.allocateMemory(u, 100);
        assertThat(LgMalloc.owns(p)).isTrue();
        assertThat(p % 8).isZero();
        ALL.set(ValueLayout.JAVA_LONG, p, 0x1122334455667788L);
        long q = UnsafeMemory.reallocateMemory(u, p, 100_000);
        assertThat(LgMalloc.owns(q)).isTrue();
        assertThat(ALL.get(ValueLayout.JAVA_LONG, q)).isEqualTo(0x1122334455667788L);
        assertThat(UnsafeMemory.reallocateMemory(u, q, 0)).isZero();   // frees, as Unsafe does
        long r = UnsafeMemory.reallocateMemory(u, 0, 64);               // allocates, as Unsafe does
        assertThat(LgMalloc.owns(r)).isTrue();
        UnsafeMemory.freeMemory(u, r);
    }

    @Test
    void memoryLgMallocDoesNotOwnGoesBackToTheOriginalUnsafe() throws Exception {
        Unsafe u = TestApps.unsafe();
        long foreign = u.allocateMemory(64);                          // glibc's, through the JDK
        assertThat(LgMalloc.owns(foreign)).isFalse();
        u.putLong(foreign, 7);
        long grown = UnsafeMemory.reallocateMemory(u, foreign, 1 << 20);
        assertThat(LgMalloc.owns(grown)).isFalse();
        assertThat(u.getLong(grown)).isEqualTo(7);
        UnsafeMemory.freeMemory(u, grown);                            // no crash: the JDK frees it
        long mine = UnsafeMemory.allocateMemory(u, 64);
        UnsafeMemory.freeMemory(u, mine);
        assertThatThrownBy(() -> UnsafeMemory.freeMemory(u, mine))   // lgmalloc's own checks still apply
                .isInstanceOf(dev.lgmalloc.InvalidFreeException.class).hasMessageContaining("double free");
    }

    @Test
    void onAVirtualThreadWithCarrierHeapsNewBlocksAreLgmallocsAndFreedOnEitherKindOfThread() throws Exception {
        assertThat(LgMalloc.allocator().carrierHeaps()).as("the tests' JVM exports jdk.internal.access").isTrue();
        VirtualThreadBlocks.check(true);
    }

    /** In a JVM that does not let lgmalloc see carriers, a virtual thread's new block is the original's. */
    @Test
    void onAVirtualThreadWithoutCarrierHeapsNewBlocksAreTheOriginalUnsafesAndEitherKindIsFreedByItsOwner()
            throws Exception {
        TestApps.Run run = TestApps.java(dir, List.of("--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                VirtualThreadBlocks.class.getName()));
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).contains("checked: carrier heaps false");
    }

    /** Blocks allocated on a virtual thread, and on a platform one, each freed by its own allocator on either. */
    static final class VirtualThreadBlocks {
        public static void main(String[] args) throws Exception {
            boolean carrierHeaps = LgMalloc.allocator().carrierHeaps();
            check(carrierHeaps);
            System.out.println("checked: carrier heaps " + carrierHeaps);
        }

        static void check(boolean lgmallocsOnVirtualThreads) throws Exception {
            Unsafe u = TestApps.unsafe();
            long mine = UnsafeMemory.allocateMemory(u, 64);                 // a platform thread: lgmalloc's
            assertThat(LgMalloc.owns(mine)).isTrue();
            long[] onVirtual = new long[3];
            boolean[] owned = new boolean[3];
            AtomicReference<Throwable> negative = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    UnsafeMemory.allocateMemory(u, -1);
                } catch (Throwable e) {
                    negative.set(e);                                        // our check, before the original's
                }
                onVirtual[0] = UnsafeMemory.allocateMemory(u, 64);
                onVirtual[1] = UnsafeMemory.allocateMemoryPredicted(u, 64, 3);
                onVirtual[2] = UnsafeMemory.reallocateMemory(u, 0, 64);
                for (int i = 0; i < 3; i++) {
                    owned[i] = LgMalloc.owns(onVirtual[i]);
                    u.putLong(onVirtual[i], i);
                }
                UnsafeMemory.freeMemory(u, mine);                           // lgmalloc's block, freed by lgmalloc
                UnsafeMemory.freeMemory(u, onVirtual[0]);
            }).join();
            assertThat(owned).as("lgmalloc's with carrier heaps, else glibc's through the JDK")
                    .containsOnly(lgmallocsOnVirtualThreads);
            assertThat(negative.get()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("negative size");
            assertThat(u.getLong(onVirtual[1])).isEqualTo(1);
            UnsafeMemory.freeMemory(u, onVirtual[1]);                       // freed on a platform thread, by its own
            UnsafeMemory.freeMemory(u, UnsafeMemory.reallocateMemory(u, onVirtual[2], 1 << 16));
            assertThatThrownBy(() -> UnsafeMemory.freeMemory(u, mine))      // lgmalloc saw the first free
                    .isInstanceOf(dev.lgmalloc.InvalidFreeException.class).hasMessageContaining("double free");
        }
    }

    // ---------------------------------------------------------------- the rewrite

    @Test
    void everyUnsafeMemoryCallIsRewrittenAndTheClassStillVerifies() throws Exception {
        byte[] original = Files.readAllBytes(classes.resolve("app/UnsafeApp.class"));
        TransparentRewriter.Rewritten out = TransparentRewriter.rewrite(original,
                EnumSet.of(TransparentRewriter.Family.UNSAFE));
        assertThat(out).isNotNull();
        assertThat(out.sites()).as("allocate, realloc x2, free x2").isEqualTo(5);
        assertThat(TransparentRewriter.rewrite(original, EnumSet.of(TransparentRewriter.Family.ARENA))).isNull();
        assertThat(java.lang.classfile.ClassFile.of().verify(out.bytes())).isEmpty();
        assertThat(TransparentRewriter.rewrite(Files.readAllBytes(
                Path.of(TestApps.class.getResource("TestApps.class").toURI())),
                EnumSet.allOf(TransparentRewriter.Family.class))).as("a class without Unsafe").isNull();
    }

    @Test
    void methodReferencesToReplacedMethodsArePointedAtTheirBridges() throws Exception {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        TestApps.Run run = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=verbose,cache=off",
                "-Xverify:all", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", cp, "app.Handles"));
        // Without the handle rewrite, the lambda's original freeMemory would get lgmalloc's blocks (glibc aborts).
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).contains("sum=499500 arena=dev.lgmalloc.LgArena");
        assertThat(run.stderr()).contains("rewrote 2 Unsafe memory call(s), 1 Arena call(s) of app/Handles");
    }

    @Test
    void aClassHoldingAHandleTheRewriterCannotReachIsLeftWhole() {
        // A dynamic constant whose bootstrap arguments hold a handle to Unsafe.freeMemory, beside a plain call to
        // allocateMemory: rewriting the call alone would let the handle free lgmalloc's memory with glibc.
        var unsafe = java.lang.constant.ClassDesc.of("sun.misc.Unsafe");
        var freeMemory = java.lang.constant.MethodHandleDesc.ofMethod(
                java.lang.constant.DirectMethodHandleDesc.Kind.VIRTUAL, unsafe, "freeMemory",
                java.lang.constant.MethodTypeDesc.ofDescriptor("(J)V"));
        var condy = java.lang.constant.DynamicConstantDesc.ofNamed(java.lang.constant.ConstantDescs.BSM_INVOKE,
                "free", java.lang.constant.ConstantDescs.CD_MethodHandle, freeMemory);
        byte[] bytes = java.lang.classfile.ClassFile.of().build(java.lang.constant.ClassDesc.of("app.Hidden"),
                cb -> cb.withMethodBody("run", java.lang.constant.MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;)J"),
                        java.lang.classfile.ClassFile.ACC_STATIC | java.lang.classfile.ClassFile.ACC_PUBLIC,
                        code -> code.loadConstant(condy).pop()
                                .aload(0).ldc(64L).invokevirtual(unsafe, "allocateMemory",
                                        java.lang.constant.MethodTypeDesc.ofDescriptor("(J)J"))
                                .lreturn()));
        assertThatThrownBy(() -> TransparentRewriter.rewrite(bytes, EnumSet.of(TransparentRewriter.Family.UNSAFE)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("method handle to sun/misc/Unsafe.freeMemory");
    }

    // ---------------------------------------------------------------- an unmodified program under the agent

    private static final Pattern OUTPUT = Pattern.compile("checksum=(-?\\d+) owned=(\\d+) foreignOwned=(\\w+)");

    private static Matcher output(TestApps.Run run) {
        return TestApps.find(OUTPUT, run);
    }

    @Test
    void anUnmodifiedUnsafeProgramRunsOnLgMallocUnderTheAgent() throws Exception {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        TestApps.Run plain = TestApps.java(dir, List.of("--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", cp, "app.UnsafeApp"));
        TestApps.Run agent = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=verbose,cache=off",
                "-Xverify:all", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", cp, "app.UnsafeApp"));
        TestApps.Run off = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=verbose,cache=off,unsafe=off",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", cp, "app.UnsafeApp"));
        for (TestApps.Run r : List.of(plain, agent, off)) {
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stderr()).as("%s", r).doesNotContain("Exception", "VerifyError", "left the Unsafe");
        }
        Matcher p = output(plain);
        Matcher a = output(agent);
        Matcher o = output(off);
        assertThat(a.group(1)).as("same results").isEqualTo(p.group(1)).isEqualTo(o.group(1));
        assertThat(p.group(2)).isEqualTo("0");
        assertThat(a.group(2)).as("blocks on lgmalloc under the agent").isEqualTo("2000");
        assertThat(o.group(2)).as("unsafe=off").isEqualTo("0");
        assertThat(a.group(3)).as("memory from a method handle stays the JDK's").isEqualTo("false");
        assertThat(agent.stderr()).contains("rewrote 5 Unsafe memory call(s) of app/UnsafeApp");
        assertThat(off.stderr()).doesNotContain("Unsafe memory call");
    }

    @Test
    void anExcludedClassKeepsItsAllocationsButFreesLgMallocsBlocks() throws Exception {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        TestApps.Run run = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar()
                        + "=verbose,cache=off,exclude=app.excluded", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", cp, "app.Mixed"));
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).contains("sum=499500");
        assertThat(run.stderr()).contains("rewrote 1 Unsafe memory call(s) of app/Mixed")
                .contains("rewrote 2 Unsafe memory call(s) of app/excluded/Freer")    // the two frees only
                .contains("lgmalloc in use");
    }

    @Test
    void aPredictedUnsafeSiteTakesItsClassFastPathAndVerificationReportsIt() throws Exception {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        List<String> jvm = List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", cp, "app.Mixed");
        TestApps.Run route = TestApps.java(dir, concat("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off,analysis=sync", jvm));
        assertThat(route.exitCode()).as("%s", route).isZero();
        assertThat(route.stdout()).contains("sum=499500");
        assertThat(route.stderr()).contains("rewrote 1 Unsafe memory call(s) of app/Mixed")
                .contains("rewrote 1 site(s) of app/Mixed")                     // to the 32-byte class's fast path
                .contains("rewrote 1 site(s) of app/excluded/Freer")            // its 16-byte copy
                .contains("2000 allocations on predicted fast paths");

        // With the family off the plan still holds the site, but the call stays the JDK's: no fast path, no error.
        TestApps.Run off = TestApps.java(dir, concat("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off,analysis=sync,unsafe=off", jvm));
        assertThat(off.exitCode()).as("%s", off).isZero();
        assertThat(off.stdout()).contains("sum=499500");
        assertThat(off.stderr()).doesNotContain("unchanged").doesNotContain("Unsafe memory call");

        Path report = dir.resolve("unsafe-verify.json");
        TestApps.Run verify = TestApps.java(dir, concat("-javaagent:" + TestApps.agentJar()
                + "=verify,verbose,cache=off,analysis=sync,report-file=" + report, jvm));
        assertThat(verify.exitCode()).as("%s", verify).isZero();
        assertThat(verify.stdout()).contains("sum=499500");
        assertThat(verify.stderr()).contains("2000 allocations on predicted fast paths");
        assertThat(Files.readString(report)).containsPattern("\\{\"id\":\\d+,\"class\":\"app/Mixed\"[^}]*"
                + "\"callee\":\"sun/misc/Unsafe.allocateMemory\\(J\\)J\",\"predicted\":\"\\{32}\"[^}]*"
                + "\"fastPath\":true,\"calls\":1000,\"inPredictedSet\":1000,\"inPredictedClass\":1000");
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    @Test
    void aDryRunSaysWhatItWouldRewriteAndChangesNothing() throws Exception {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        TestApps.Run run = TestApps.java(dir, List.of("-javaagent:" + TestApps.agentJar() + "=cache=off,dry-run",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-cp", cp,
                "app.UnsafeApp"));
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stderr()).contains("would rewrite 5 Unsafe memory call(s) of app/UnsafeApp")
                .contains("lgmalloc was never used");
        assertThat(output(run).group(2)).as("blocks on lgmalloc").isEqualTo("0");
    }
}
