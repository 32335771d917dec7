package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
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
 * A program that builds a structure larger than its pages hold, then drops it: {@value #BLOCKS} blocks of one size,
 * then every one freed. The pages it empties go back to their segments, so each round allocates from fresh pages,
 * as a program does while its live data grows; the score is per malloc+free pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class GrowthBenchmark {

    private static final int BLOCKS = 16_384;

    @Param({"64", "256"})
    public long size;

    private final long[] blocks = new long[BLOCKS];

    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void lgmalloc() {
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = LgMalloc.malloc(size);
        }
        for (int i = 0; i < BLOCKS; i++) {
            LgMalloc.free(blocks[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void glibcCritical() {
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = Glibc.mallocCritical(size);
        }
        for (int i = 0; i < BLOCKS; i++) {
            Glibc.freeCritical(blocks[i]);
        }
    }
}
