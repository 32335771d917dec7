package dev.lgmalloc.bench;

import dev.lgmalloc.LgMalloc;
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

/**
 * What the default free checks (block boundary and double-free tag) cost on the 64-byte pair: the same
 * benchmark in JVMs with and without them. Users cannot turn the checks off; the property is for this only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class SafetyCheckBenchmark {

    private long previous;

    private long pair() {
        long p = LgMalloc.malloc(64);
        LgMalloc.free(previous);
        previous = p;
        return p;
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
    public long withChecks() {
        return pair();
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
            "-Dlgmalloc.benchmark.disableChecks=true"})
    public long withoutChecks() {
        return pair();
    }
}
