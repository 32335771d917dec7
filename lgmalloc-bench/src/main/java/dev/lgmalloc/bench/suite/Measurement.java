package dev.lgmalloc.bench.suite;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of one workload with one allocator, as the measuring JVM reports it.
 *
 * @param workload          workload name
 * @param allocator         peer name
 * @param repetition        1 for the first run in a fresh JVM (its RSS is reported), 2.. for timing runs
 * @param seconds           wall-clock time of the workload
 * @param operations        allocations plus frees performed
 * @param verified          every block freed once with its contents intact
 * @param verification      one line on the verification
 * @param baselineRss       RSS before the workload, bytes
 * @param peakRss           peak RSS during the workload, bytes
 * @param finalRss          RSS after everything was freed and the settle time passed, bytes
 * @param releasedRss       RSS after the allocator's own release call, bytes
 * @param peakLiveRequested peak of bytes requested and not yet freed (sampled every millisecond)
 * @param metrics           workload-specific results (RSS per requested byte, per-thread overhead, ...)
 */
public record Measurement(String workload, String allocator, int repetition, double seconds, long operations,
        boolean verified, String verification, long baselineRss, long peakRss, long finalRss, long releasedRss,
        long peakLiveRequested, Map<String, Double> metrics) {

    private static final String METRIC_PREFIX = "metric.";

    /** RSS the workload added at its peak. */
    public long peakRssDelta() {
        return Math.max(0, peakRss - baselineRss);
    }

    /** Peak RSS added per byte requested; NaN when nothing was live. */
    public double rssPerRequested() {
        return peakLiveRequested > 0 ? (double) peakRssDelta() / peakLiveRequested : Double.NaN;
    }

    /** Share of the peak's added RSS given back once everything was freed and the settle time passed. */
    public double returnedFraction() {
        long added = peakRssDelta();
        return added > 0 ? Math.min(1.0, Math.max(0.0, (double) (peakRss - finalRss) / added)) : Double.NaN;
    }

    /** The line protocol between the measuring JVM and the suite: tab-separated key=value pairs. */
    Map<String, String> toFields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("workload", workload);
        fields.put("allocator", allocator);
        fields.put("repetition", Integer.toString(repetition));
        fields.put("seconds", Double.toString(seconds));
        fields.put("operations", Long.toString(operations));
        fields.put("verified", Boolean.toString(verified));
        fields.put("verification", verification);
        fields.put("baselineRss", Long.toString(baselineRss));
        fields.put("peakRss", Long.toString(peakRss));
        fields.put("finalRss", Long.toString(finalRss));
        fields.put("releasedRss", Long.toString(releasedRss));
        fields.put("peakLiveRequested", Long.toString(peakLiveRequested));
        metrics.forEach((name, value) -> fields.put(METRIC_PREFIX + name, Double.toString(value)));
        return fields;
    }

    static Measurement fromFields(Map<String, String> fields) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        fields.forEach((key, value) -> {
            if (key.startsWith(METRIC_PREFIX)) {
                metrics.put(key.substring(METRIC_PREFIX.length()), Double.parseDouble(value));
            }
        });
        return new Measurement(fields.get("workload"), fields.get("allocator"),
                Integer.parseInt(fields.get("repetition")), Double.parseDouble(fields.get("seconds")),
                Long.parseLong(fields.get("operations")), Boolean.parseBoolean(fields.get("verified")),
                fields.get("verification"), Long.parseLong(fields.get("baselineRss")),
                Long.parseLong(fields.get("peakRss")), Long.parseLong(fields.get("finalRss")),
                Long.parseLong(fields.get("releasedRss")), Long.parseLong(fields.get("peakLiveRequested")),
                Map.copyOf(metrics));
    }
}
