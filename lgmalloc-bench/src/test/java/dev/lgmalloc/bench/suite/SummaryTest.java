package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTest {

    private static Measurement run(int repetition, double seconds, long peakRss) {
        return new Measurement("larson", "lgmalloc", repetition, seconds, 1, true, "ok", 0, peakRss, 0, 0, 1,
                Map.of());
    }

    @Test
    void theTimeIsTheMedianOfEveryJvmsRunsAfterItsFirst() {
        List<Measurement> runs = new ArrayList<>();
        // Two JVMs in different modes: 2 s and 4 s. Their first runs (10 s) are cold and give memory only.
        runs.addAll(List.of(run(1, 10, 100), run(2, 2.0, 0), run(3, 2.2, 0)));
        runs.addAll(List.of(run(1, 10, 300), run(2, 4.0, 0), run(3, 4.4, 0)));
        Summary summary = Summary.of(runs);
        assertEquals(4, summary.timingRuns());
        assertEquals(3.1, summary.medianSeconds(), 1e-9);
        assertEquals(2.0, summary.minSeconds());
        assertEquals(4.4, summary.maxSeconds());
        assertEquals(100, summary.first().peakRss(), "memory comes from the lower of two JVMs' first runs");
    }

    @Test
    void withOneRunPerJvmThoseRunsGiveTheTime() {
        Summary summary = Summary.of(List.of(run(1, 3, 0), run(1, 1, 0), run(1, 2, 0)));
        assertEquals(3, summary.timingRuns());
        assertEquals(2, summary.medianSeconds());
    }

    @Test
    void memoryComesFromTheJvmWhoseFirstRunIsTheMedian() {
        List<Measurement> runs = new ArrayList<>();
        runs.addAll(List.of(run(1, 10, 300), run(2, 2.0, 0)));
        runs.addAll(List.of(run(1, 10, 100), run(2, 2.1, 0)));
        runs.addAll(List.of(run(1, 10, 200), run(2, 2.2, 0)));
        assertEquals(200, Summary.of(runs).first().peakRss());
    }
}
