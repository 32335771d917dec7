package dev.lgmalloc.bench.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything one suite run produced: the measurements, what each peer is, and what was skipped or failed. */
public final class SuiteResults {

    /**
     * What a peer reported about itself in its measuring JVM.
     *
     * @param startRss RSS of its JVM once the allocator was initialised, before any workload (bytes)
     */
    public record PeerInfo(String name, String version, String notes, long startRss) {
    }

    /** A workload or allocator that did not run, and why ({@code workload} is "*" for all of them). */
    public record Skip(String allocator, String workload, String reason) {
    }

    private final SuiteOptions options;
    private final MachineInfo machine;
    private final List<Measurement> measurements = new ArrayList<>();
    private final Map<String, PeerInfo> peers = new LinkedHashMap<>();
    private final List<Skip> skips = new ArrayList<>();
    private final List<Skip> failures = new ArrayList<>();
    private final List<JmhResult> jmh = new ArrayList<>();

    SuiteResults(SuiteOptions options, MachineInfo machine) {
        this.options = options;
        this.machine = machine;
    }

    public SuiteOptions options() {
        return options;
    }

    public MachineInfo machine() {
        return machine;
    }

    synchronized void add(Measurement measurement) {
        measurements.add(measurement);
    }

    synchronized void peer(PeerInfo info) {
        peers.put(info.name(), info);
    }

    synchronized void skip(Skip skip) {
        skips.add(skip);
    }

    synchronized void failure(Skip failure) {
        failures.add(failure);
    }

    synchronized void addJmh(List<JmhResult> results) {
        jmh.addAll(results);
    }

    /** The JMH microbenchmark rows, when the suite ran them. */
    public synchronized List<JmhResult> jmh() {
        return List.copyOf(jmh);
    }

    public synchronized List<Measurement> measurements() {
        return List.copyOf(measurements);
    }

    public synchronized List<PeerInfo> peers() {
        return List.copyOf(peers.values());
    }

    public synchronized List<Skip> skips() {
        return List.copyOf(skips);
    }

    /** Allocators whose measuring JVM failed or workloads that produced no result. */
    public synchronized List<Skip> failures() {
        return List.copyOf(failures);
    }

    /** The summary of one workload with one allocator, if it ran. */
    public synchronized Optional<Summary> summary(String workload, String allocator) {
        List<Measurement> runs = measurements.stream()
                .filter(m -> m.workload().equals(workload) && m.allocator().equals(allocator)).toList();
        return runs.isEmpty() ? Optional.empty() : Optional.of(Summary.of(runs));
    }

    /** Allocators that produced at least one result, in the order asked for. */
    public synchronized List<String> allocatorsMeasured() {
        return options.allocators().stream()
                .filter(a -> measurements.stream().anyMatch(m -> m.allocator().equals(a))).toList();
    }

    /** The reason a (workload, allocator) pair has no result, if it was skipped or its JVM failed. */
    public synchronized Optional<String> skipReason(String workload, String allocator) {
        return java.util.stream.Stream.concat(skips.stream(), failures.stream()).filter(s -> s.allocator()
                .equals(allocator) && (s.workload().equals("*") || s.workload().equals(workload)))
                .map(Skip::reason).findFirst();
    }

    /** True when every run verified and no measuring JVM failed. */
    public synchronized boolean allVerified() {
        return failures.isEmpty() && measurements.stream().allMatch(Measurement::verified);
    }
}
