package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.WorkloadContext;
import dev.lgmalloc.bench.workload.Workloads;
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
 * One run of a suite workload per operation, with one peer: the suite's ports under JMH, so that
 * its profilers ({@code -prof perfasm}, {@code -prof gc}) can say where a port's time goes. The suite itself, not
 * this, gives the comparison: it runs each allocator in a JVM of its own and checks every run's results.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class PortBenchmark {

    @Param({"larson"})
    public String workload;

    @Param({"lgmalloc"})
    public String peer;

    @Param({"2"})
    public int threads;

    /** The quick form by default; {@code -p quick=false} runs the suite's full parameters (seconds per run). */
    @Param({"true"})
    public boolean quick;

    private Workload port;
    private PeerAllocator allocator;
    private long seed;

    @Setup(Level.Trial)
    public void start() {
        port = Workloads.byName(workload).orElseThrow(() -> new IllegalArgumentException("no workload " + workload));
        allocator = Peers.create(peer);
    }

    @TearDown(Level.Trial)
    public void stop() {
        allocator.close();
    }

    @Benchmark
    public long run() throws InterruptedException {
        WorkloadContext context = new WorkloadContext(allocator, threads, quick, ++seed);
        long operations = port.run(context);
        if (!context.verification().passed()) {
            throw new IllegalStateException(workload + " with " + peer + ": " + context.verification().summary());
        }
        return operations;
    }
}
