package dev.lgmalloc.bench.suite;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The runs of one workload with one allocator, reduced to what the tables show: time is the median of the timing
 * runs (all runs after each measuring JVM's first when there are several, from every JVM with {@code --jvms}), with
 * their spread as the noise; memory comes from a first run, made in a fresh JVM: with {@code --jvms}, the JVM whose
 * first run's peak is the median (the lower middle one of an even number), since one JVM's peak moves with how far
 * its compilers had got (rptest on lgmalloc: 21.3-25.4 MiB over eight JVMs of one build).
 *
 * @param workload        workload name
 * @param allocator       peer name
 * @param verified        every run verified
 * @param verification    the first failed run's verification line, or the first run's
 * @param medianSeconds   median time of the timing runs
 * @param minSeconds      fastest timing run
 * @param maxSeconds      slowest timing run
 * @param timingRuns      how many runs the time comes from
 * @param first           the first run whose memory figures the tables show
 */
public record Summary(String workload, String allocator, boolean verified, String verification,
        double medianSeconds, double minSeconds, double maxSeconds, int timingRuns, Measurement first) {

    /** Reduces the runs of one (workload, allocator) pair; {@code runs} must not be empty. */
    static Summary of(List<Measurement> runs) {
        List<Measurement> firsts = runs.stream().filter(m -> m.repetition() == 1)
                .sorted(Comparator.comparingLong(Measurement::peakRssDelta)).toList();
        Measurement first = firsts.isEmpty() ? runs.get(0) : firsts.get((firsts.size() - 1) / 2);
        List<Measurement> later = runs.stream().filter(m -> m.repetition() > 1).toList();
        List<Measurement> timing = later.isEmpty() ? runs : later;     // one run per JVM: those runs give the time
        double[] seconds = timing.stream().mapToDouble(Measurement::seconds).sorted().toArray();
        double median = seconds.length % 2 == 1 ? seconds[seconds.length / 2]
                : (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
        Measurement failed = runs.stream().filter(m -> !m.verified()).findFirst().orElse(null);
        return new Summary(first.workload(), first.allocator(), failed == null,
                (failed != null ? failed : first).verification(), median, seconds[0], seconds[seconds.length - 1],
                seconds.length, first);
    }

    /** Half the spread of the timing runs relative to the median (0 with one run). */
    public double noise() {
        return medianSeconds > 0 ? (maxSeconds - minSeconds) / 2 / medianSeconds : 0;
    }

    public Map<String, Double> metrics() {
        return first.metrics();
    }
}
