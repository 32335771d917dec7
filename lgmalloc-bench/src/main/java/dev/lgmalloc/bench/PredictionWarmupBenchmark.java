package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prediction on and off during warm-up: the time of the first {@code pairs} 64-byte malloc+free pairs at one call
 * site in a fresh JVM, once per fork ({@code SingleShotTime}, no warm-up iteration), so the interpreter and C1 run
 * them; with 100 pairs nothing is compiled yet, with 10,000 C1 has compiled the site, with 1,000,000 C2 has.
 * {@code off} is the site as written ({@code LgMalloc.malloc(64)}), {@code on} as the agent rewrites it
 * ({@code mallocPredicted(64, classIndex)}). Many forks, because one shot per JVM is all there is; compare the
 * two at the same {@code pairs}. The setup makes this thread's heap and runs both paths once, so neither side pays
 * for the heap or for loading classes. {@code -jvmArgsAppend -Xint} gives the interpreter alone,
 * {@code -jvmArgsAppend -XX:TieredStopAtLevel=1} C1 alone.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 20, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PredictionWarmupBenchmark {

    @Param({"100", "10000", "1000000"})
    public int pairs;

    private long previous;

    @Setup(Level.Trial)
    public void makeHeapAndLoadBothPaths() {
        if (LgMalloc.allocator().sizeClasses().classOf(64) != PredictionBenchmark.CLASS_OF_64) {
            throw new IllegalStateException("the global allocator's classes are not the standard ones");
        }
        LgMalloc.free(LgMalloc.malloc(64));
        LgMalloc.free(LgMalloc.mallocPredicted(64, PredictionBenchmark.CLASS_OF_64));
    }

    @Benchmark
    public long off() {
        for (int i = 0; i < pairs; i++) {
            offSite();
        }
        return release();
    }

    @Benchmark
    public long on() {
        for (int i = 0; i < pairs; i++) {
            onSite();
        }
        return release();
    }

    // The sites sit in methods of their own, compiled by invocation counts as an allocating method of a program is.
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private void offSite() {
        long p = LgMalloc.malloc(64);
        LgMalloc.free(previous);
        previous = p;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private void onSite() {
        long p = LgMalloc.mallocPredicted(64, PredictionBenchmark.CLASS_OF_64);
        LgMalloc.free(previous);
        previous = p;
    }

    private long release() {
        long last = previous;
        LgMalloc.free(previous);
        previous = 0;
        return last;
    }
}
