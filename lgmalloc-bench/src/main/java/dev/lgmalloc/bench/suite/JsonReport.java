package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.Workloads;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The machine-readable results: machine, options, peers, workloads, every run and the summaries. */
final class JsonReport {

    private final SuiteResults results;
    private final List<String> args;
    private final StringBuilder json = new StringBuilder();

    JsonReport(SuiteResults results, List<String> args) {
        this.results = results;
        this.args = args;
    }

    String render() {
        MachineInfo m = results.machine();
        SuiteOptions o = results.options();
        json.append("{\n");
        field(1, "command", "lgmalloc bench " + String.join(" ", args)).append(",\n");
        indent(1).append("\"machine\": {");
        field(0, "cpu", m.cpu()).append(", ");
        field(0, "cores", m.cores()).append(", ");
        field(0, "memory", m.memory()).append(", ");
        field(0, "os", m.os()).append(", ");
        field(0, "jdk", m.jdk()).append(", ");
        field(0, "date", m.date()).append("},\n");
        indent(1).append("\"options\": {");
        field(0, "quick", o.quick()).append(", ");
        field(0, "threads", o.threads()).append(", ");
        field(0, "repetitions", o.repetitions()).append(", ");
        field(0, "jvms", o.jvms()).append("},\n");
        array(1, "allocators", results.peers(), p -> {
            field(0, "name", p.name()).append(", ");
            field(0, "version", p.version()).append(", ");
            field(0, "notes", p.notes()).append(", ");
            field(0, "startRss", p.startRss());
        });
        json.append(",\n");
        array(1, "workloads", o.workloads().stream().map(w -> Workloads.byName(w).orElseThrow()).toList(),
                (Workload w) -> {
                    field(0, "name", w.name()).append(", ");
                    field(0, "origin", w.origin()).append(", ");
                    field(0, "parameters", w.parameters(o.threads(), o.quick()));
                });
        json.append(",\n");
        array(1, "runs", results.measurements(), this::run);
        json.append(",\n");
        List<Summary> summaries = o.workloads().stream().flatMap(w -> results.allocatorsMeasured().stream()
                .flatMap(a -> results.summary(w, a).stream())).toList();
        array(1, "summaries", summaries, s -> {
            field(0, "workload", s.workload()).append(", ");
            field(0, "allocator", s.allocator()).append(", ");
            field(0, "verified", s.verified()).append(", ");
            field(0, "medianSeconds", s.medianSeconds()).append(", ");
            field(0, "minSeconds", s.minSeconds()).append(", ");
            field(0, "maxSeconds", s.maxSeconds()).append(", ");
            field(0, "timingRuns", s.timingRuns()).append(", ");
            field(0, "peakRssAdded", s.first().peakRssDelta()).append(", ");
            field(0, "rssPerRequested", s.first().rssPerRequested()).append(", ");
            field(0, "returnedFraction", s.first().returnedFraction());
        });
        json.append(",\n");
        array(1, "skipped", results.skips(), this::skip);
        json.append(",\n");
        array(1, "failures", results.failures(), this::skip);
        json.append(",\n");
        array(1, "goals", new Goals(results).evaluate(), g -> {
            field(0, "goal", g.goal()).append(", ");
            field(0, "measured", g.measured()).append(", ");
            field(0, "status", g.status());
        });
        json.append(",\n");
        array(1, "jmh", results.jmh(), r -> {
            field(0, "run", r.run()).append(", ");
            field(0, "benchmark", r.benchmark()).append(", ");
            field(0, "threads", r.threads()).append(", ");
            field(0, "allocator", r.allocator()).append(", ");
            field(0, "score", r.score()).append(", ");
            field(0, "error", r.error()).append(", ");
            field(0, "unit", r.unit()).append(", ");
            json.append("\"params\": {");
            json.append(String.join(", ", r.params().entrySet().stream()
                    .map(e -> "\"" + escape(e.getKey()) + "\": \"" + escape(e.getValue()) + "\"").toList()));
            json.append('}');
        });
        json.append("\n}\n");
        return json.toString();
    }

    private void run(Measurement m) {
        field(0, "workload", m.workload()).append(", ");
        field(0, "allocator", m.allocator()).append(", ");
        field(0, "repetition", m.repetition()).append(", ");
        field(0, "seconds", m.seconds()).append(", ");
        field(0, "operations", m.operations()).append(", ");
        field(0, "verified", m.verified()).append(", ");
        field(0, "verification", m.verification()).append(", ");
        field(0, "baselineRss", m.baselineRss()).append(", ");
        field(0, "peakRss", m.peakRss()).append(", ");
        field(0, "finalRss", m.finalRss()).append(", ");
        field(0, "releasedRss", m.releasedRss()).append(", ");
        field(0, "peakLiveRequested", m.peakLiveRequested()).append(", ");
        json.append("\"metrics\": {");
        Iterator<Map.Entry<String, Double>> metrics = m.metrics().entrySet().iterator();
        while (metrics.hasNext()) {
            Map.Entry<String, Double> metric = metrics.next();
            field(0, metric.getKey(), metric.getValue());
            if (metrics.hasNext()) {
                json.append(", ");
            }
        }
        json.append('}');
    }

    private void skip(SuiteResults.Skip s) {
        field(0, "allocator", s.allocator()).append(", ");
        field(0, "workload", s.workload()).append(", ");
        field(0, "reason", s.reason());
    }

    private <T> void array(int depth, String name, List<T> items, java.util.function.Consumer<T> object) {
        indent(depth).append('"').append(name).append("\": [");
        for (int i = 0; i < items.size(); i++) {
            json.append(i == 0 ? "\n" : ",\n");
            indent(depth + 1).append('{');
            object.accept(items.get(i));
            json.append('}');
        }
        json.append(items.isEmpty() ? "]" : "\n" + "  ".repeat(depth) + "]");
    }

    private StringBuilder field(int depth, String name, Object value) {
        indent(depth).append('"').append(escape(name)).append("\": ");
        if (value instanceof String text) {
            json.append('"').append(escape(text)).append('"');
        } else if (value instanceof Double number) {
            json.append(number.isNaN() || number.isInfinite() ? "null"
                    : String.format(Locale.ROOT, "%.6g", number));
        } else {
            json.append(value);
        }
        return json;
    }

    private StringBuilder indent(int depth) {
        return json.append("  ".repeat(depth));
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
