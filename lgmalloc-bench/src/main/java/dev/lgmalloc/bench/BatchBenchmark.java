package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate 1000 blocks of random sizes (16-1024 B, fixed seed), then free them all; the score is per
 * malloc+free pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class BatchBenchmark {

    private static final int BATCH = 1000;

    private final long[] sizes = new SplittableRandom(42).longs(BATCH, 16, 1025).toArray();
    private final long[] blocks = new long[BATCH];

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void lgmalloc() {
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = LgMalloc.malloc(sizes[i]);
        }
        for (int i = 0; i < BATCH; i++) {
            LgMalloc.free(blocks[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void glibcCritical() {
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = Glibc.mallocCritical(sizes[i]);
        }
        for (int i = 0; i < BATCH; i++) {
            Glibc.freeCritical(blocks[i]);
        }
    }
}
