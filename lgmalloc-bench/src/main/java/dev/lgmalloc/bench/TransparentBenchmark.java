package dev.lgmalloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import sun.misc.Unsafe;

/**
 * Unmodified code shapes of programs that were never written for lgmalloc: nothing here names lgmalloc. Run once
 * plainly and once with {@code -javaagent:lgmalloc-agent.jar} (scripts/bench-transparent does both, alternating),
 * the difference is what transparent mode gives each shape: the agent rewrites these very call sites.
 *
 * <ul>
 *   <li>{@code confinedArenaPerCall}: the jextract pattern, an arena per native call holding two small structs;</li>
 *   <li>{@code confinedArenaPerCallEscaping}: the same, its segments escaping to code the JIT cannot see;</li>
 *   <li>{@code sharedArenaPerBlock}: a shared arena per block, freed by its close (a handshake in the JDK);</li>
 *   <li>{@code unsafeAllocateFree}: {@code Unsafe.allocateMemory} and {@code freeMemory} of a 64-byte block;</li>
 *   <li>{@code confinedArenaLargeSegment}: an arena per request holding a 1 MiB segment sized for the worst case,
 *       of which a 16 KiB message is written;</li>
 *   <li>{@code allocateDirect1K}: a 1 KiB direct buffer left to the garbage collector;</li>
 *   <li>{@code allocateDirectFreedEarly}: the same, freed at once with {@code Unsafe.invokeCleaner} (Netty, Agrona);</li>
 *   <li>{@code allocateDirect1MFreedEarly}: a 1 MiB buffer sized for the worst case, of which a 16 KiB message is
 *       written, freed at once (a read buffer, a codec's output).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed, pre-touched heap: with a growing one, the first touch of each new eden region made the iterations of
// allocation-heavy shapes swing tenfold (54-550 ns), on either side.
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
@SuppressWarnings("removal")
public class TransparentBenchmark {

    private static final StructLayout POINT = MemoryLayout.structLayout(JAVA_INT.withName("x"), JAVA_INT.withName("y"));
    private static final StructLayout RECT = MemoryLayout.structLayout(JAVA_DOUBLE.withName("w"),
            JAVA_DOUBLE.withName("h"), JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(4));
    private static final Unsafe UNSAFE = unsafe();

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private int counter;

    @Benchmark
    public int confinedArenaPerCall() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment point = arena.allocate(POINT);
            MemorySegment rect = arena.allocate(RECT);
            point.set(JAVA_INT, 0, counter++);
            rect.set(JAVA_INT, 16, counter);
            return point.get(JAVA_INT, 0) + rect.get(JAVA_INT, 16);
        }
    }

    /**
     * The same call with its segments handed to code the JIT cannot see (as to a downcall that keeps them), so
     * neither the arena nor the segments can be optimised away: what each one really costs.
     */
    @Benchmark
    public void confinedArenaPerCallEscaping(Blackhole escape) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment point = arena.allocate(POINT);
            MemorySegment rect = arena.allocate(RECT);
            point.set(JAVA_INT, 0, counter++);
            rect.set(JAVA_INT, 16, counter);
            escape.consume(point);
            escape.consume(rect);
        }
    }

    @Benchmark
    public long confinedArenaLargeSegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(1024 * 1024);
            for (long offset = 0; offset < 16 * 1024; offset += 64) {
                message.set(JAVA_INT, offset, counter + (int) offset);
            }
            return message.get(JAVA_INT, counter++ & (16 * 1024 - 64) & -64);
        }
    }

    @Benchmark
    public long sharedArenaPerBlock() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment block = arena.allocate(64);
            block.set(JAVA_INT, 0, counter++);
            return block.get(JAVA_INT, 0);
        }
    }

    @Benchmark
    public long unsafeAllocateFree() {
        long p = UNSAFE.allocateMemory(64);
        UNSAFE.putLong(p, counter++);
        long v = UNSAFE.getLong(p);
        UNSAFE.freeMemory(p);
        return v;
    }

    @Benchmark
    public int allocateDirect1K() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1024);
        buffer.putInt(0, counter++);
        return buffer.getInt(0);
    }

    @Benchmark
    public int allocateDirectFreedEarly() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1024);
        buffer.putInt(0, counter++);
        int v = buffer.getInt(0);
        UNSAFE.invokeCleaner(buffer);
        return v;
    }

    @Benchmark
    public int allocateDirect1MFreedEarly() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1024 * 1024);
        for (int offset = 0; offset < 16 * 1024; offset += 64) {
            buffer.putInt(offset, counter + offset);
        }
        int v = buffer.getInt(counter++ & (16 * 1024 - 64) & -64);
        UNSAFE.invokeCleaner(buffer);
        return v;
    }

    /** Which implementation served the arenas in this JVM: checks that the agent's rewrite took effect. */
    public static String arenaImplementation() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.getClass().getName();
        }
    }
}
