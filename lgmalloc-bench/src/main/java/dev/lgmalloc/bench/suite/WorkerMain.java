package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.memory.ProcessMemory;
import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Verification;
import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.WorkloadContext;
import dev.lgmalloc.bench.workload.Workloads;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measuring JVM: creates one allocator, runs the given workloads with it and prints a protocol line per run.
 * The suite starts one per allocator (per allocator and workload outside quick mode), so that native allocators
 * never share a process and every first run starts from a fresh RSS.
 *
 * <p>Arguments: {@code --allocator A --workloads W,... --threads N --repetitions R --settle-ms M [--quick]}.
 */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = new LinkedHashMap<>();
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else {
                options.put(args[i], args[++i]);
            }
        }
        PrintStream out = System.out;
        String allocatorName = options.get("--allocator");
        PeerAllocator allocator;
        try {
            allocator = Peers.create(allocatorName);
        } catch (RuntimeException | LinkageError e) {
            out.println(Protocol.line(Protocol.FAILURE, Map.of("allocator", allocatorName, "reason",
                    "cannot start: " + e.getMessage())));
            System.exit(3);
            return;
        }
        // One-time initialisation (mappings, tables) is not charged to the first workload; RSS after it is reported.
        allocator.free(allocator.malloc(64));
        out.println(Protocol.line(Protocol.PEER, Map.of("allocator", allocator.name(), "version",
                allocator.version(), "notes", allocator.notes(), "startRss",
                Long.toString(ProcessMemory.residentBytes()))));
        int threads = Integer.parseInt(options.get("--threads"));
        int repetitions = Integer.parseInt(options.get("--repetitions"));
        long settleMillis = Long.parseLong(options.get("--settle-ms"));
        for (String name : List.of(options.get("--workloads").split(","))) {
            Workload workload = Workloads.byName(name).orElseThrow();
            if (workload.freesAcrossThreads() && !allocator.freesFromAnyThread()) {
                out.println(Protocol.line(Protocol.SKIP, Map.of("workload", name, "allocator", allocator.name(),
                        "reason", "not applicable: " + allocator.name() + " cannot free blocks on another thread")));
                continue;
            }
            for (int repetition = 1; repetition <= repetitions; repetition++) {
                Measurement m = measure(workload, allocator, threads, quick, repetition, settleMillis);
                out.println(Protocol.line(Protocol.RESULT, m.toFields()));
            }
        }
        allocator.close();
    }

    /** One run: RSS before, reset the peak, run, peak, RSS after settling, RSS after the allocator's release call. */
    static Measurement measure(Workload workload, PeerAllocator allocator, int threads, boolean quick,
            int repetition, long settleMillis) throws InterruptedException {
        WorkloadContext context = new WorkloadContext(allocator, threads, quick, 4141L * repetition);
        long baseline = ProcessMemory.residentBytes();
        ProcessMemory.resetPeak();
        LiveBytesSampler sampler = new LiveBytesSampler(context);
        sampler.start();
        long start = System.nanoTime();
        long operations = 0;
        String failure = null;
        try {
            operations = workload.run(context);
        } catch (RuntimeException | Error e) {
            failure = e.toString();
        }
        long elapsed = System.nanoTime() - start;
        sampler.stopAndJoin();
        long peak = ProcessMemory.peakResidentBytes();
        Thread.sleep(settleMillis);
        long settled = ProcessMemory.residentBytes();
        allocator.releaseFreeMemory();
        long released = ProcessMemory.residentBytes();
        Verification verification = context.verification();
        boolean verified = failure == null && verification.passed();
        String summary = failure != null ? "FAILED: " + failure + "; " + verification.summary()
                : verification.summary();
        return new Measurement(workload.name(), allocator.name(), repetition, elapsed / 1e9, operations, verified,
                summary, baseline, Math.max(peak, baseline), settled, released,
                Math.max(sampler.peak(), 0), context.metrics());
    }

    /** Samples the bytes requested and not yet freed every millisecond, keeping the peak. */
    private static final class LiveBytesSampler extends Thread {
        private final WorkloadContext context;
        private final AtomicLong peak = new AtomicLong();
        private volatile boolean running = true;

        LiveBytesSampler(WorkloadContext context) {
            super("live-bytes-sampler");
            this.context = context;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                peak.accumulateAndGet(context.liveBytesRacy(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
            peak.accumulateAndGet(context.liveBytesRacy(), Math::max);
        }

        void stopAndJoin() throws InterruptedException {
            running = false;
            join();
        }

        long peak() {
            return peak.get();
        }
    }
}
