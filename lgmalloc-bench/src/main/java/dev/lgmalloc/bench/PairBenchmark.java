package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One malloc+free pair per operation, the block freed one call later (freeing the block just allocated lets
 * the JIT cancel work). Run with {@code -t 2} to see whether two threads scale.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PairBenchmark {

    @Param({"64"})
    public long size;

    private long previous;
    private final JavaFreeList floor = new JavaFreeList(64, 1024);

    @Setup(Level.Trial)
    public void warmAllocator() {
        LgMalloc.free(LgMalloc.malloc(size));
    }

    @TearDown(Level.Trial)
    public void release() {
        floor.close();
    }

    @Benchmark
    public long lgmalloc() {
        long p = LgMalloc.malloc(size);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long glibcCritical() {
        long p = Glibc.mallocCritical(size);
        Glibc.freeCritical(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long glibcPlain() {
        long p = Glibc.malloc(size);
        Glibc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long arenaConfined() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(size).address();
        }
    }

    /** The floor: a single-class free list of addresses in a Java array, no size classes, no checks. */
    @Benchmark
    public long javaFreeListFloor() {
        long p = floor.pop();
        floor.push(previous == 0 ? floor.pop() : previous);
        previous = p;
        return p;
    }
}
