package dev.lgmalloc.elf.survey;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.elf.ElfAnalyzer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Measures the analyser on real programs doing real work: runs each {@link Workload} under the
 * {@link PreloadTracer}, then holds the calls made from the program's own code against the analyser's sites and
 * the {@link ObjdumpBaseline}'s ({@link TraceCoverage}), and prints a Markdown table and the sites that cost the
 * most coverage.
 *
 * <p>Usage: {@code TraceSurvey [--threshold T] [--top N] [--work DIR [--reuse]] [PROGRAM...]} (programs by
 * workload name: git, bash, python3.11, make, perl, cmake, node; default all installed). {@code --reuse} takes
 * the traces an earlier run left in {@code DIR} instead of running the programs again, to measure a change of the
 * analyser against the same calls. Needs gcc and objdump.
 */
public final class TraceSurvey {

    /** One program measured. */
    public record Measurement(Workload workload, TraceCoverage coverage, int sites) {
    }

    private TraceSurvey() {
    }

    public static void main(String[] args) throws Exception {
        double threshold = PlanBuilder.DEFAULT_THRESHOLD;
        int top = 8;
        Path work = null;
        boolean reuse = false;
        List<Workload> workloads = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threshold" -> threshold = Double.parseDouble(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--reuse" -> reuse = true;
                default -> {
                    Workload w = Workloads.named(args[i]);
                    if (w == null) {
                        System.err.println("not installed or unknown: " + args[i] + "; known: "
                                + Workloads.available().stream().map(Workload::name).toList());
                        System.exit(2);
                    }
                    workloads.add(w);
                }
            }
        }
        if (workloads.isEmpty()) {
            workloads = Workloads.available();
        }
        work = work != null ? Files.createDirectories(work) : Files.createTempDirectory("lgm-trace-survey");
        PreloadTracer tracer = PreloadTracer.build(work);
        List<Measurement> results = new ArrayList<>();
        for (Workload w : workloads) {
            System.err.println("tracing " + w.name() + " ...");
            Path traces = work.resolve(w.name()).resolve("trace");
            results.add(reuse && Files.isDirectory(traces) ? measureTraced(w, traces, threshold)
                    : measure(w, tracer, work.resolve(w.name()), threshold));
        }
        print(results, threshold, top, System.out);
    }

    /** Runs one workload in a fresh {@code directory} under the tracer and measures the analysis against it. */
    public static Measurement measure(Workload w, PreloadTracer tracer, Path directory, double threshold)
            throws IOException, InterruptedException, AnalysisException {
        Path traceDir = Files.createDirectories(directory.resolve("trace"));
        for (Map.Entry<String, String> f : w.files().entrySet()) {
            Path p = directory.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        Map<String, String> env = new HashMap<>(w.env());
        env.put("HOME", directory.toString()); // no user configuration (git's, say) changes the work
        for (List<String> command : w.commands()) {
            tracer.run(command, directory, traceDir, env, 300);
        }
        return measureTraced(w, traceDir, threshold);
    }

    /** Measures the analysis against the traces already in {@code traceDir}. */
    public static Measurement measureTraced(Workload w, Path traceDir, double threshold)
            throws IOException, InterruptedException, AnalysisException {
        List<RuntimeCalls.Call> calls = RuntimeCalls.madeBy(w.binary(), traceDir);
        AnalysisResult analysis = ElfAnalyzer.analyze(w.binary(), threshold);
        Map<Long, Long> baseline = ObjdumpBaseline.scan(w.binary());
        return new Measurement(w, new TraceCoverage(calls, analysis.sites(), baseline, threshold),
                analysis.sites().size());
    }

    /** The table of docs/ELF-ANALYSIS.md, then per program the sites that cost the most coverage. */
    public static void print(List<Measurement> results, double threshold, int top, PrintStream out) {
        String t = String.format(Locale.ROOT, "%.2f", threshold);
        out.println("| program | calls from its code | sites hit | known size | analysis, confidence ≥ " + t
                + " | precision ≥ " + t + " | wrong calls below " + t + " | objdump baseline | baseline precision"
                + " | analysis − baseline | missed, one size at run time |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Measurement m : results) {
            TraceCoverage c = m.coverage();
            out.printf(Locale.ROOT, "| %s | %,d | %,d | %s | %s | %s | %,d | %s | %s | %+.1f points | %s |%n",
                    m.workload().name(), c.calls(), c.sitesSeen(), percent(c.knownShare()), percent(c.coverage()),
                    percent(c.precision()), c.wrongBelowThreshold(), percent(c.baselineCoverage()),
                    percent(c.baselinePrecision()), 100 * (c.coverage() - c.baselineCoverage()),
                    percent(c.singleSizeMissShare()));
        }
        for (Measurement m : results) {
            out.println();
            out.println("Top missed sites, " + m.workload().name() + " (" + m.workload().binary() + "):");
            misses(m.coverage().topMisses(top), out);
            out.println();
            out.println("Top missed sites that requested one size only, " + m.workload().name() + ":");
            misses(m.coverage().topSingleSizeMisses(top), out);
            m.coverage().wrongPredictions().forEach((what, calls) ->
                    out.printf(Locale.ROOT, "%nWRONG at the threshold: %s (%,d calls)%n", what, calls));
        }
    }

    private static void misses(List<TraceCoverage.Miss> misses, PrintStream out) {
        out.println();
        out.println("| site | function | calls | sizes requested | why not covered |");
        out.println("|---|---|---|---|---|");
        for (TraceCoverage.Miss miss : misses) {
            out.printf(Locale.ROOT, "| %s | %s | %,d | %s | %s |%n", miss.where(), miss.function(), miss.calls(),
                    sizes(miss), miss.reason().replace("|", "/"));
        }
    }

    private static String sizes(TraceCoverage.Miss miss) {
        String shown = miss.sizes().stream().limit(4).map(String::valueOf).collect(Collectors.joining(", "));
        return miss.sizes().size() > 4 ? shown + " … (" + miss.sizes().size() + ")" : shown;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * share);
    }
}
