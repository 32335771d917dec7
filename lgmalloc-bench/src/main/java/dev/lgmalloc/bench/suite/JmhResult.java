package dev.lgmalloc.bench.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of JMH's CSV results.
 *
 * @param run       which JMH run it came from ({@code t1}, {@code t2}, {@code producer-consumer})
 * @param benchmark the benchmark method without the package, e.g. {@code PeerPairBenchmark.pair}
 * @param threads   JMH threads
 * @param score     the score in {@code unit}
 * @param error     the 99.9% confidence half-interval, NaN with too few samples
 * @param unit      e.g. {@code ns/op} or {@code ops/us}
 * @param params    benchmark parameters that apply (peer, size, config, liveBlocks)
 */
public record JmhResult(String run, String benchmark, int threads, double score, double error, String unit,
        Map<String, String> params) {

    private static final String PREFIX = "dev.lgmalloc.bench.";

    /** The allocator a row measures: its {@code peer} parameter, or {@code netty-<config>}, or the method name. */
    public String allocator() {
        if (params.containsKey("peer")) {
            return params.get("peer");
        }
        if (params.containsKey("config")) {
            return "netty-" + params.get("config");
        }
        return benchmark.substring(benchmark.indexOf('.') + 1);
    }

    /** Parses JMH's {@code -rf csv} output; parameters that do not apply ("N/A" or empty) are left out. */
    static List<JmhResult> parseCsv(String run, List<String> lines) {
        List<JmhResult> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        List<String> header = fields(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> values = fields(line);
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 7; i < header.size() && i < values.size(); i++) {
                String value = values.get(i);
                if (!value.isEmpty() && !value.equals("N/A")) {
                    params.put(header.get(i).replace("Param: ", ""), value);
                }
            }
            String benchmark = values.get(0).startsWith(PREFIX) ? values.get(0).substring(PREFIX.length())
                    : values.get(0);
            rows.add(new JmhResult(run, benchmark, Integer.parseInt(values.get(2)), Double.parseDouble(values.get(4)),
                    Double.parseDouble(values.get(5)), values.get(6), params));
        }
        return rows;
    }

    /** Splits one CSV line; quoted fields may contain commas and doubled quotes. */
    static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
