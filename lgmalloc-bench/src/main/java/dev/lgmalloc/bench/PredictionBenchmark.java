package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prediction on and off in steady state: the same 64-byte pair through the general {@code malloc} (the size
 * class looked up from a size the JIT cannot see) and through the routed path the agent writes at a confident
 * site ({@code mallocPredicted} with the class index as a constant), plus the general path with a literal size,
 * which is what a JIT that inlines {@code malloc} already gets without any prediction.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PredictionBenchmark {

    private static final int CLASS_OF_64 = LgMalloc.allocator().sizeClasses().classOf(64);

    @Param({"64"})
    public long size;

    private long previous;

    @Setup
    public void warm() {
        LgMalloc.free(LgMalloc.malloc(size));
    }

    @Benchmark
    public long generalVariableSize() {
        long p = LgMalloc.malloc(size);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long generalLiteralSize() {
        long p = LgMalloc.malloc(64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long routedPredicted() {
        long p = LgMalloc.mallocPredicted(size, CLASS_OF_64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }
}
