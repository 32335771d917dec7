package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.agent.runtime.DirectBuffers;
import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sun.misc.Unsafe;

/** Transparent mode for {@code ByteBuffer.allocateDirect} and {@code Unsafe.invokeCleaner}. */
@SuppressWarnings("removal")
class DirectBufferTransparentTest {

    /** An unmodified program: direct buffers through a file channel, some freed early as Netty and Agrona do. */
    private static final String APP = """
            package app;

            import java.lang.reflect.Field;
            import java.nio.ByteBuffer;
            import java.nio.channels.FileChannel;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.nio.file.StandardOpenOption;
            import sun.misc.Unsafe;

            public class BufferApp {
                public static void main(String[] args) throws Exception {
                    Field f = Unsafe.class.getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    Unsafe u = (Unsafe) f.get(null);
                    Path file = Files.createTempFile("buffer-app", ".bin");
                    long checksum = 0;
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        for (int i = 0; i < 2_000; i++) {
                            ByteBuffer out = ByteBuffer.allocateDirect(1024 + i);
                            checksum += out.getLong(0);                  // zeroed
                            out.putLong(0, i).putLong(out.capacity() - 8, -i);
                            ch.write(out, 0);
                            ByteBuffer in = ByteBuffer.allocateDirect(out.capacity());
                            ch.read(in, 0);
                            checksum = checksum * 31 + in.getLong(0) + in.getLong(in.capacity() - 8);
                            u.invokeCleaner(in);                        // freed now; out is left to the GC
                        }
                        // Back-pressure: 64 MiB through 1 MiB buffers dropped at once, under a 16 MiB limit.
                        for (int i = 0; i < 64; i++) {
                            checksum += ByteBuffer.allocateDirect(1 << 20).get(12345);
                        }
                    } finally {
                        Files.delete(file);
                    }
                    System.out.println("checksum=" + checksum + " kind=" + ByteBuffer.allocateDirect(8).getClass().getName()
                            + " owned=" + owned(ByteBuffer.allocateDirect(8)));
                }

                static boolean owned(ByteBuffer b) throws Exception {
                    long address = java.lang.foreign.MemorySegment.ofBuffer(b).address();
                    return (boolean) Class.forName("dev.lgmalloc.LgMalloc").getMethod("owns", long.class)
                            .invoke(null, address);
                }
            }
            """;

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compileApp() throws Exception {
        classes = dir.resolve("classes");
        TestApps.compile(dir.resolve("src"), classes, List.<String[]>of(new String[]{"app/BufferApp.java", APP},
                new String[]{"app/Budget.java", BUDGET}));
    }

    static List<Arguments> factories() {
        return List.of(Arguments.of("JDK", (IntFunction<ByteBuffer>) ByteBuffer::allocateDirect),
                Arguments.of("lgmalloc", (IntFunction<ByteBuffer>) DirectBuffers::allocateDirect));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void buffersKeepTheJdksContract(String name, IntFunction<ByteBuffer> allocateDirect) throws Exception {
        for (int capacity : new int[] {0, 1, 100, 4096, 200_000}) {
            ByteBuffer b = allocateDirect.apply(capacity);
            assertThat(b.isDirect()).isTrue();
            assertThat(b.capacity()).isEqualTo(capacity);
            assertThat(b.position()).isZero();
            assertThat(b.limit()).isEqualTo(capacity);
            assertThat(b.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(b.isReadOnly()).isFalse();
            for (int i = 0; i < capacity; i++) {
                if (b.get(i) != 0) {
                    throw new AssertionError(name + ": byte " + i + " of " + capacity + " is not zero");
                }
            }
            assertThat(MemorySegment.ofBuffer(b).address()).isNotZero();
        }
        assertThatThrownBy(() -> allocateDirect.apply(-1)).isInstanceOf(IllegalArgumentException.class);
        Path file = Files.createTempFile(dir, "channel", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer out = allocateDirect.apply(64);
            out.putLong(0, 0x0102030405060708L);
            assertThat(ch.write(out, 0)).isEqualTo(64);
            ByteBuffer in = allocateDirect.apply(64);
            assertThat(ch.read(in, 0)).isEqualTo(64);
            assertThat(in.getLong(0)).isEqualTo(0x0102030405060708L);
        }
    }

    @Test
    void invokeCleanerFreesLgMallocBuffersAtOnceAndRefusesTheirViews() throws Exception {
        Unsafe u = TestApps.unsafe();
        ByteBuffer b = DirectBuffers.allocateDirect(100_000);     // beyond what slabs carve: a block of its own
        long address = MemorySegment.ofBuffer(b).address();
        assertThat(LgMalloc.owns(address)).isTrue();
        long before = DirectBuffers.heldBlocks();
        assertThatThrownBy(() -> DirectBuffers.invokeCleaner(u, b.duplicate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate or slice");
        assertThatThrownBy(() -> DirectBuffers.invokeCleaner(u, b.slice(0, 10)))
                .isInstanceOf(IllegalArgumentException.class);
        DirectBuffers.invokeCleaner(u, b);
        assertThat(DirectBuffers.heldBlocks()).isEqualTo(before - 1);
        DirectBuffers.invokeCleaner(u, b);                       // a second time does nothing, as in the JDK
        assertThat(DirectBuffers.heldBlocks()).isEqualTo(before - 1);
        // A JDK buffer goes to the original invokeCleaner, which frees it; its views are refused by the JDK.
        ByteBuffer jdk = ByteBuffer.allocateDirect(1000);
        assertThatThrownBy(() -> DirectBuffers.invokeCleaner(u, jdk.duplicate()))
                .isInstanceOf(IllegalArgumentException.class);
        DirectBuffers.invokeCleaner(u, jdk);
        assertThatThrownBy(() -> DirectBuffers.invokeCleaner(u, ByteBuffer.allocate(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSlabFreedBufferByBufferGoesBackOnceItsThreadMovedOn() throws Exception {
        Unsafe u = TestApps.unsafe();
        int perSlab = DirectBuffers.SLAB_SIZE / 1024;
        ByteBuffer[] first = new ByteBuffer[perSlab];
        long[] held = new long[3];
        Thread t = Thread.ofPlatform().start(() -> {
            held[0] = DirectBuffers.heldBlocks();
            for (int i = 0; i < perSlab; i++) {
                first[i] = DirectBuffers.allocateDirect(1024);    // one slab, full
                first[i].putInt(0, i);
            }
            for (int i = 0; i < perSlab; i++) {
                assertThat(first[i].getInt(0)).as("buffer %d kept its value: none overlap", i).isEqualTo(i);
            }
            for (int i = 0; i < perSlab - 1; i++) {
                DirectBuffers.invokeCleaner(u, first[i]);
                DirectBuffers.invokeCleaner(u, first[i]);          // twice: counted once
            }
            ByteBuffer next = DirectBuffers.allocateDirect(1024);  // a second slab: the first is retired
            held[1] = DirectBuffers.heldBlocks();
            DirectBuffers.invokeCleaner(u, first[perSlab - 1]);    // its last buffer: the slab goes back now
            held[2] = DirectBuffers.heldBlocks();
            DirectBuffers.invokeCleaner(u, next);
        });
        t.join();
        assertThat(held[1]).as("two slabs held").isEqualTo(held[0] + 2);
        assertThat(held[2]).as("the first slab went back with its last buffer").isEqualTo(held[0] + 1);
    }

    @Test
    void aLargeBufferIsZeroWithoutBeingWrittenAndZeroAgainAfterAFree() throws Exception {
        Unsafe u = TestApps.unsafe();
        int size = 32 << 20;
        long before = LgMalloc.residency().largeBlockBytes();
        ByteBuffer big = DirectBuffers.allocateDirect(size);
        // The JDK writes every byte (32 MiB resident at once); a mapping of its own is zero without a write. Asked of
        // the kernel for lgmalloc's large blocks alone (mincore): the process's RSS also moves with the JIT, the
        // collector and the first purge's downcall linking, and once grew 11 MiB around this buffer.
        assertThat(LgMalloc.residency().largeBlockBytes() - before).as("resident growth of an unwritten 32 MiB buffer")
                .isLessThan(1 << 20);
        for (int i = 0; i < size; i += 4096) {
            big.putLong(i, -1L);
        }
        DirectBuffers.invokeCleaner(u, big);
        // Most likely the freed mapping, purged instead of written (AllocatorTest checks that reuse exactly).
        ByteBuffer again = DirectBuffers.allocateDirect(size);
        for (int i = 0; i < size; i += 4096) {
            if (again.getLong(i) != 0) {
                throw new AssertionError("byte " + i + " of a reused 32 MiB buffer is not zero");
            }
        }
        DirectBuffers.invokeCleaner(u, again);
    }

    @Test
    void aSlabWhoseBuffersWereAllFreedIsCarvedAgain() throws Exception {
        Unsafe u = TestApps.unsafe();
        int perSlab = DirectBuffers.SLAB_SIZE / 1024;
        long[] seen = new long[6];
        Thread t = Thread.ofPlatform().start(() -> {
            ByteBuffer first = null;
            for (int i = 0; i < perSlab; i++) {
                ByteBuffer b = DirectBuffers.allocateDirect(1024);
                b.putLong(0, -1);
                first = i == 0 ? b : first;
                seen[0] = i == 0 ? MemorySegment.ofBuffer(b).address() : seen[0];
                DirectBuffers.invokeCleaner(u, b);
            }
            seen[1] = DirectBuffers.heldBlocks();
            ByteBuffer next = DirectBuffers.allocateDirect(1024);     // the slab is full and all of it was freed
            seen[2] = MemorySegment.ofBuffer(next).address();
            seen[3] = next.getLong(0);                                 // zeroed again
            seen[4] = DirectBuffers.heldBlocks();
            DirectBuffers.invokeCleaner(u, first);                     // a buffer of the old slab: a no-op now
            seen[5] = DirectBuffers.heldBlocks();
        });
        t.join();
        assertThat(seen[4]).as("no new slab").isEqualTo(seen[1]);
        assertThat(seen[5]).as("nothing freed twice").isEqualTo(seen[1]);
        assertThat(seen[2]).as("the same memory, carved again").isEqualTo(seen[0]);
        assertThat(seen[3]).isZero();
    }

    @Test
    void virtualThreadsCarveFromSharedSlabs() throws Exception {
        long before = DirectBuffers.heldBlocks();
        java.util.List<ByteBuffer> kept = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 200; t++) {
                int id = t;
                executor.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        ByteBuffer b = DirectBuffers.allocateDirect(1000);
                        assertThat(b.getLong(0)).isZero();
                        b.putInt(0, id * 100 + i);
                        kept.add(b);
                    }
                });
            }
        }
        assertThat(kept).hasSize(2000);
        java.util.Set<Integer> values = new java.util.HashSet<>();
        for (ByteBuffer b : kept) {
            values.add(b.getInt(0));
        }
        assertThat(values).as("no two buffers share memory").hasSize(2000);
        // 2,000 KB in 64 KiB slabs: about 31 of them, plus one partly used per shared carver; not 2,000 blocks.
        assertThat(DirectBuffers.heldBlocks() - before).isLessThanOrEqualTo(
                2_000_000 / DirectBuffers.SLAB_SIZE + 2L * Runtime.getRuntime().availableProcessors() + 1);
    }

    @Test
    void unreachableBuffersAreFreedByTheGarbageCollector() throws Exception {
        long before = DirectBuffers.heldBlocks();
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100; i++) {
                DirectBuffers.allocateDirect(1024).putInt(0, i);     // carved from this thread's slabs
                DirectBuffers.allocateDirect(5000).putInt(0, i);     // blocks of their own
            }
        });
        t.join();                                                      // its slab in use becomes unreachable too
        assertThat(DirectBuffers.heldBlocks()).isGreaterThan(before);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (DirectBuffers.heldBlocks() > before) {
            assertThat(System.nanoTime()).as("buffers freed after GC; %d blocks left",
                    DirectBuffers.heldBlocks() - before).isLessThan(deadline);
            System.gc();
            LockSupport.parkNanos(10_000_000);
        }
    }

    @Test
    void directBufferCallsAreRewrittenAndTheClassStillVerifies() throws Exception {
        byte[] original = Files.readAllBytes(classes.resolve("app/BufferApp.class"));
        TransparentRewriter.Rewritten out = TransparentRewriter.rewrite(original,
                EnumSet.of(TransparentRewriter.Family.DIRECT));
        assertThat(out).isNotNull();
        assertThat(out.counts()).containsEntry(TransparentRewriter.Family.DIRECT, 6);
        assertThat(java.lang.classfile.ClassFile.of().verify(out.bytes())).isEmpty();
    }

    private static final Pattern OUTPUT = Pattern.compile("checksum=(-?\\d+) kind=(\\S+) owned=(\\w+)");

    @Test
    void anUnmodifiedBufferProgramRunsOnLgMallocUnderTheAgent() throws Exception {
        List<String> common = app("16m", "app.BufferApp");
        TestApps.Run plain = TestApps.java(dir, common);
        TestApps.Run agent = TestApps.java(dir, concat(List.of("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off,direct=on", "-Xverify:all"), common));
        TestApps.Run off = TestApps.java(dir, concat(List.of("-javaagent:" + TestApps.agentJar()
                + "=cache=off,direct=off"), common));
        for (TestApps.Run r : List.of(plain, agent, off)) {
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stderr()).as("%s", r).doesNotContain("Exception", "VerifyError", "left the JDK");
        }
        Matcher p = match(plain);
        Matcher a = match(agent);
        Matcher o = match(off);
        assertThat(a.group(1)).as("same results").isEqualTo(p.group(1)).isEqualTo(o.group(1));
        assertThat(p.group(3)).isEqualTo("false");
        assertThat(a.group(3)).as("buffers of lgmalloc memory under the agent").isEqualTo("true");
        assertThat(o.group(3)).isEqualTo("false");
        assertThat(agent.stderr()).contains("6 direct buffer call(s)");

        // verify records the sizes of the rewritten calls too: the site is found in either form
        Path report = dir.resolve("buffers-verify.json");
        TestApps.Run verify = TestApps.java(dir, concat(List.of("-javaagent:" + TestApps.agentJar()
                + "=verify,cache=off,report-file=" + report), common));
        assertThat(verify.exitCode()).as("%s", verify).isZero();
        assertThat(verify.stderr()).doesNotContain("unchanged");
        assertThat(match(verify).group(1)).isEqualTo(p.group(1));
        assertThat(Files.readString(report)).containsPattern("\"callee\":\"java/nio/ByteBuffer.allocateDirect"
                + "\\(I\\)Ljava/nio/ByteBuffer;\",\"predicted\":\"\\{1048576}\"[^}]*\"calls\":64,"
                + "\"inPredictedSet\":64");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    /** Holds on to 1 MiB buffers until the direct budget refuses one. */
    private static final String BUDGET = """
            package app;

            import java.nio.ByteBuffer;
            import java.util.ArrayList;
            import java.util.List;

            public class Budget {
                public static void main(String[] args) {
                    List<ByteBuffer> kept = new ArrayList<>();
                    try {
                        for (int i = 0; i < 64; i++) {
                            kept.add(ByteBuffer.allocateDirect(1 << 20));
                        }
                        System.out.println("kept=" + kept.size() + " refused=none");
                    } catch (OutOfMemoryError e) {
                        System.out.println("kept=" + kept.size() + " refused=" + e.getMessage());
                    }
                }
            }
            """;

    @Test
    void maxDirectMemorySizeBoundsTheBuffersAsItBoundsTheJdks() throws Exception {
        List<String> common = app("4m", "app.Budget");
        TestApps.Run plain = TestApps.java(dir, common);
        TestApps.Run agent = TestApps.java(dir, concat(List.of("-javaagent:" + TestApps.agentJar()
                + "=verbose,cache=off"), common));
        assertThat(plain.stdout()).as("%s", plain).contains("kept=4 refused=Cannot reserve 1048576 bytes of direct");
        assertThat(agent.stdout()).as("%s", agent).contains("kept=4 refused=Cannot reserve 1048576 bytes of direct")
                .contains("limit 4194304");
        assertThat(agent.stderr()).contains("direct buffer call(s) of app/Budget");
    }

    /** The JVM options and main class of one of the compiled programs, under a direct-memory budget. */
    private static List<String> app(String maxDirectMemory, String mainClass) {
        String cp = classes + java.io.File.pathSeparator + TestApps.coreClasses();
        return List.of("-XX:MaxDirectMemorySize=" + maxDirectMemory, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", cp, mainClass);
    }

    private static Matcher match(TestApps.Run run) {
        return TestApps.find(OUTPUT, run);
    }
}
