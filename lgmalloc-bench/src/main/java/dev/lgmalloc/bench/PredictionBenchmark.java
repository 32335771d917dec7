package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.SizeClasses;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prediction on and off in steady state (C2): one 64-byte malloc+free pair per operation, the block freed one
 * call later as in {@link PairBenchmark}. Two by two:
 *
 * <ul>
 *   <li>{@code off*}: the user's {@code LgMalloc.malloc(size)}, i.e. no agent; {@code on*}: the same site as the
 *       agent rewrites it, {@code LgMalloc.mallocPredicted(size, classIndex)} with the index as a constant.</li>
 *   <li>{@code *UnknownSize}: the size comes from a field, so C2 cannot fold the size-class lookup (a size that
 *       reaches the site as a parameter or from an object, which the analyser may still predict);
 *       {@code *ConstantSize}: a literal, which C2 folds through the inlined {@code malloc} by itself.</li>
 * </ul>
 *
 * <p>Only the pair with the same size knowledge compares prediction on and off. The earlier version of this class
 * had one variable-size row at 11.5 ns where {@link PairBenchmark#lgmalloc} (the same code) gave 5.8 ns; with
 * {@code -XX:+PrintInlining} C2 inlines the whole malloc and free paths into the JMH stub in both, and a short
 * rerun on a busy machine gave 6.8 and 7.8 ns with overlapping errors. Nothing in the code explains the gap, so it
 * is treated as fork-to-fork JIT variance plus a busy machine: 5 forks and 5 warm-up iterations here, and the class
 * index taken from {@link SizeClasses#standard()} instead of initialising the global allocator in a static
 * initialiser. {@link #checkClassIndex} fails the run if the index is not the global allocator's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 5, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PredictionBenchmark {

    /** The literal the agent pushes at a site predicted to take 64-byte requests. */
    static final int CLASS_OF_64 = SizeClasses.standard().classOf(64);

    /** A field, not a constant: C2 reads it on every call. */
    public long size = 64;

    private long previous;

    @Setup(Level.Trial)
    public void checkClassIndex() {
        if (LgMalloc.allocator().sizeClasses().classOf(64) != CLASS_OF_64) {
            throw new IllegalStateException("the global allocator's classes are not the standard ones");
        }
        LgMalloc.free(LgMalloc.malloc(size));
    }

    @Benchmark
    public long offUnknownSize() {
        long p = LgMalloc.malloc(size);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long onUnknownSize() {
        long p = LgMalloc.mallocPredicted(size, CLASS_OF_64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long offConstantSize() {
        long p = LgMalloc.malloc(64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    public long onConstantSize() {
        long p = LgMalloc.mallocPredicted(64, CLASS_OF_64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }
}
