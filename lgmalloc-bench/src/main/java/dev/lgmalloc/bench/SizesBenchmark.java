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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The malloc+free pair across block sizes from 16 B to 64 KiB, lgmalloc against glibc (critical downcalls). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class SizesBenchmark {

    @Param({"16", "256", "4096", "65536"})
    public long size;

    private long previous;

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
}
