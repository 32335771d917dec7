package dev.lgmalloc.bench;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.lgmalloc.LgArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The jextract pattern, an arena per native call holding two small structs, on a virtual thread and on a platform
 * thread, with the JDK's confined arena and with {@link LgArena}. Each invocation runs {@link #CALLS} calls: on a
 * virtual thread started for them (its start and join, a few microseconds, spread over the calls), or on the
 * benchmark's own thread. What transparent mode decides for a rewritten {@code Arena.ofConfined()} on either kind
 * of thread rests on these numbers.
 *
 * <pre>java -jar lgmalloc-bench/target/lgmalloc-benchmarks.jar ArenaPerCallBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The export lets lgmalloc see carriers, as its agent does: virtual threads then use their carriers' heaps.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class ArenaPerCallBenchmark {

    static final int CALLS = 100_000;

    private static final StructLayout POINT = MemoryLayout.structLayout(JAVA_INT.withName("x"), JAVA_INT.withName("y"));
    private static final StructLayout RECT = MemoryLayout.structLayout(JAVA_DOUBLE.withName("w"),
            JAVA_DOUBLE.withName("h"), JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(4));

    /** {@code jdk}: {@code Arena.ofConfined()}; {@code lgmalloc}: {@code LgArena.ofConfined()}. */
    @Param({"jdk", "lgmalloc"})
    public String arena;

    /** {@code virtual}: one virtual thread makes the calls; {@code platform}: the benchmark's own thread. */
    @Param({"virtual", "platform"})
    public String thread;

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long calls() throws InterruptedException {
        Calls calls = arena.equals("jdk") ? new JdkCalls() : new LgCalls();
        if (thread.equals("virtual")) {
            Thread.ofVirtual().start(calls).join();
        } else {
            calls.run();
        }
        return calls.checksum;
    }

    // Two copies of one loop, each naming its arena's class, as a program using one kind of arena does: the JIT
    // then sees a single arena class at every call and can inline the arena away.
    private abstract static class Calls implements Runnable {
        long checksum;
    }

    private static final class JdkCalls extends Calls {
        @Override
        public void run() {
            long sum = 0;
            for (int i = 0; i < CALLS; i++) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment point = a.allocate(POINT);
                    MemorySegment rect = a.allocate(RECT);
                    point.set(JAVA_INT, 0, i);
                    rect.set(JAVA_INT, 16, i);
                    sum += point.get(JAVA_INT, 0) + rect.get(JAVA_INT, 16);
                }
            }
            checksum = sum;
        }
    }

    private static final class LgCalls extends Calls {
        @Override
        public void run() {
            long sum = 0;
            for (int i = 0; i < CALLS; i++) {
                try (LgArena a = LgArena.ofConfined()) {
                    MemorySegment point = a.allocate(POINT);
                    MemorySegment rect = a.allocate(RECT);
                    point.set(JAVA_INT, 0, i);
                    rect.set(JAVA_INT, 16, i);
                    sum += point.get(JAVA_INT, 0) + rect.get(JAVA_INT, 16);
                }
            }
            checksum = sum;
        }
    }
}
