package dev.lgmalloc.bench.memory;

import dev.lgmalloc.AllocatorResidency;
import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.WorkloadContext;
import dev.lgmalloc.bench.workload.Workloads;
import java.util.Locale;

/**
 * Runs one workload in this JVM on lgmalloc and samples where lgmalloc's resident memory is while it runs
 * ({@link dev.lgmalloc.Allocator#residency()}): the sample with the most resident memory, and the mean over
 * the run. What a peak RSS above the live bytes is made of, kind by kind.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp lgmalloc-bench/target/lgmalloc-benchmarks.jar \
 *     dev.lgmalloc.bench.memory.WhereTheMemoryIs glibc-thread [threads] [sample-ms] [series]</pre>
 *
 * <p>It also prints what the process's peak resident set ({@code VmHWM}) added over the run, the figure the suite
 * reports: the difference from the most resident sample is memory outside lgmalloc's mappings, or peaks between
 * samples.
 *
 * <p>With {@code series}, every sample is printed too, with its time and the number of heaps: when a peak
 * happens, not only what it is made of.
 */
public final class WhereTheMemoryIs {

    private static final double MIB = 1024 * 1024;

    private WhereTheMemoryIs() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: WhereTheMemoryIs <workload> [threads] [sample-ms] [series]; workloads: "
                    + Workloads.all().stream().map(Workload::name).toList());
            System.exit(2);
        }
        Workload workload = Workloads.byName(args[0])
                .orElseThrow(() -> new IllegalArgumentException("no workload named " + args[0]));
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long sampleMillis = args.length > 2 ? Long.parseLong(args[2]) : 50;
        PeerAllocator allocator = Peers.create("lgmalloc");
        WorkloadContext context = new WorkloadContext(allocator, threads, false, 20261202L);
        boolean series = args.length > 3 && args[3].equals("series");
        if (series) {
            System.out.println("    ms heaps  live   class pages   extent pages   free chunks   large blocks"
                    + "   resident   committed  (MiB)");
        }
        Sampler sampler = new Sampler(sampleMillis, series);
        long baseline = ProcessMemory.residentBytes();
        boolean peakReset = ProcessMemory.resetPeak();
        Thread thread = Thread.ofPlatform().daemon().name("residency-sampler").start(sampler);
        workload.run(context);
        long processPeak = ProcessMemory.peakResidentBytes();
        thread.interrupt();
        thread.join();
        System.out.println(workload.name() + ", " + workload.parameters(threads, false) + ": "
                + context.verification().summary());
        System.out.printf(Locale.ROOT, "%d samples, one every %d ms%n", sampler.samples, sampleMillis);
        System.out.println("              live   class pages   extent pages   free chunks   large blocks"
                + "   resident   committed  (MiB)");
        System.out.println(sampler.peak.line("most resident"));
        System.out.println(sampler.sum.scaled(1.0 / Math.max(1, sampler.samples)).line("mean"));
        // The suite's figure, for the same run: what the whole process's peak added, between samples and outside
        // lgmalloc's mappings (the JVM's own memory) included. Run with the suite's -Xms2g -Xmx2g
        // -XX:+AlwaysPreTouch so that the Java heap's growth is not in it.
        System.out.printf(Locale.ROOT, "process peak RSS added %.1f MiB (VmHWM%s)%n",
                (processPeak - baseline) / MIB, peakReset ? "" : ", not reset: includes the JVM's start");
    }

    /** One sample, or a sum of them. */
    private record Sample(double live, double classPages, double extentPages, double freeChunks, double large,
                          double committed, int heaps) {

        static Sample now() {
            AllocatorResidency r = LgMalloc.residency();
            AllocatorStatistics s = LgMalloc.statistics();
            return new Sample(s.liveBytes(), r.classPageBytes(), r.extentPageBytes(), r.freeChunkBytes(),
                    r.largeBlockBytes(), s.committedBytes(), s.heaps());
        }

        double resident() {
            return classPages + extentPages + freeChunks + large;
        }

        Sample plus(Sample o) {
            return new Sample(live + o.live, classPages + o.classPages, extentPages + o.extentPages,
                    freeChunks + o.freeChunks, large + o.large, committed + o.committed, heaps + o.heaps);
        }

        Sample scaled(double f) {
            return new Sample(live * f, classPages * f, extentPages * f, freeChunks * f, large * f, committed * f,
                    (int) Math.round(heaps * f));
        }

        String line(String label) {
            return String.format(Locale.ROOT, "%-13s %5.1f %13.1f %14.1f %13.1f %14.1f %10.1f %11.1f", label,
                    live / MIB, classPages / MIB, extentPages / MIB, freeChunks / MIB, large / MIB,
                    resident() / MIB, committed / MIB);
        }
    }

    private static final class Sampler implements Runnable {
        private final long millis;
        private final boolean series;
        private final long start = System.nanoTime();
        volatile Sample peak = new Sample(0, 0, 0, 0, 0, 0, 0);
        volatile Sample sum = peak;
        volatile int samples;

        Sampler(long millis, boolean series) {
            this.millis = millis;
            this.series = series;
        }

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                Sample s = Sample.now();
                if (series) {
                    System.out.printf(Locale.ROOT, "%6d %5d %s%n", (System.nanoTime() - start) / 1_000_000, s.heaps,
                            s.line("").substring(14));
                }
                if (s.resident() > peak.resident()) {
                    peak = s;
                }
                sum = sum.plus(s);
                samples++;
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
