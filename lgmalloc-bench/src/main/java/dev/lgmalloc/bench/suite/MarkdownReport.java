package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.Workloads;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** The Markdown report: header, tables normalised to lgmalloc, memory, where lgmalloc loses, workloads. */
final class MarkdownReport {

    private static final double MIB = 1024.0 * 1024.0;

    private final SuiteResults results;
    private final List<String> args;
    private final StringBuilder md = new StringBuilder();

    MarkdownReport(SuiteResults results, List<String> args) {
        this.results = results;
        this.args = args;
    }

    String render() {
        header();
        goals();
        allocators();
        ratioTable("Time", "median wall-clock time of the timing runs, as a multiple of lgmalloc's (lower is "
                + "better); in brackets the time and the noise (half the spread of the runs)", true,
                Summary::medianSeconds, s -> String.format(Locale.ROOT, "%.3f s ±%.0f%%", s.medianSeconds(),
                        100 * s.noise()));
        ratioTable("Peak RSS", "RSS the workload added at its peak (first run, fresh JVM; with several JVMs, the "
                + "median JVM's), as a multiple of "
                + "lgmalloc's (lower is better); in brackets MiB", false,
                s -> s.first().peakRssDelta(), s -> String.format(Locale.ROOT, "%.1f MiB",
                        s.first().peakRssDelta() / MIB));
        processPeakTable();
        memoryDetail();
        footprint();
        jmh();
        losses();
        verification();
        skipped();
        workloads();
        return md.toString();
    }

    private void header() {
        MachineInfo m = results.machine();
        SuiteOptions o = results.options();
        line("# lgmalloc allocator suite");
        line("");
        line("- command: `lgmalloc bench " + String.join(" ", args) + "`");
        line("- date: " + m.date());
        line("- machine: " + m.cpu() + ", " + m.cores() + " cores, " + m.memory() + ", " + m.os());
        line("- JDK: " + m.jdk());
        line("- mode: " + (o.quick() ? "**quick** (small parameters that check correctness; the times and RSS "
                + "below are not measurements)" : "full") + ", " + o.threads() + " threads, " + o.repetitions()
                + " run(s) per workload and allocator in each of " + o.jvms() + " measuring JVM(s); each allocator in"
                + " its own JVM"
                + (o.quick() ? "" : ", each workload in a fresh JVM"));
        line("");
    }

    private void goals() {
        line("## Goals");
        line("");
        line("| goal | measured in this run | status |");
        line("|---|---|---|");
        for (Goals.Goal goal : new Goals(results).evaluate()) {
            line("| " + goal.goal() + " | " + goal.measured() + " | " + goal.status() + " |");
        }
        line("");
    }

    private void jmh() {
        List<JmhResult> rows = results.jmh();
        if (rows.isEmpty()) {
            return;
        }
        line("## JMH microbenchmarks");
        line("");
        line("Score ± 99.9% error as JMH reports it (no error with a single sample). Runs: `jmh-*.csv` and "
                + "`jmh-*.log` beside this file.");
        line("");
        for (int threads : new int[] {1, 2}) {
            pairTable(rows, threads);
        }
        line("| benchmark | threads | allocator | parameters | score | unit |");
        line("|---|---|---|---|---|---|");
        for (JmhResult r : rows) {
            if (r.benchmark().equals("PeerPairBenchmark.pair")) {
                continue;
            }
            java.util.Map<String, String> params = new java.util.LinkedHashMap<>(r.params());
            params.remove("peer");
            params.remove("config");
            line("| " + r.benchmark() + " | " + r.threads() + " | " + r.allocator() + " | " + params + " | "
                    + score(r) + " | " + r.unit() + " |");
        }
        line("");
    }

    private void pairTable(List<JmhResult> rows, int threads) {
        List<JmhResult> pairs = rows.stream().filter(r -> r.benchmark().equals("PeerPairBenchmark.pair")
                && r.threads() == threads).toList();
        if (pairs.isEmpty()) {
            return;
        }
        List<String> sizes = pairs.stream().map(r -> r.params().get("size")).distinct()
                .sorted(java.util.Comparator.comparingLong(Long::parseLong)).toList();
        line("Pair, " + threads + " thread" + (threads > 1 ? "s" : "") + ": ns per malloc+free by block size");
        line("");
        line("| allocator | " + String.join(" | ", sizes.stream().map(s -> s + " B").toList()) + " |");
        line("|---" + "|---".repeat(sizes.size()) + "|");
        for (String allocator : pairs.stream().map(JmhResult::allocator).distinct().toList()) {
            StringBuilder row = new StringBuilder("| " + allocator + " |");
            for (String size : sizes) {
                row.append(' ').append(pairs.stream().filter(r -> r.allocator().equals(allocator)
                        && size.equals(r.params().get("size"))).findFirst().map(MarkdownReport::score).orElse("—"))
                        .append(" |");
            }
            line(row.toString());
        }
        line("");
    }

    private static String score(JmhResult r) {
        return Double.isNaN(r.error()) ? String.format(Locale.ROOT, "%.2f", r.score())
                : String.format(Locale.ROOT, "%.2f ± %.2f", r.score(), r.error());
    }

    private void allocators() {
        line("## Allocators");
        line("");
        line("RSS at start: the measuring JVM's RSS once the allocator served its first block, before any workload "
                + "(the same heap, pre-touched, in every JVM).");
        line("");
        line("| allocator | version | how it is reached | RSS at start |");
        line("|---|---|---|---|");
        for (SuiteResults.PeerInfo peer : results.peers()) {
            line("| " + peer.name() + " | " + peer.version() + " | " + peer.notes() + " | "
                    + String.format(Locale.ROOT, "%.1f MiB", peer.startRss() / MIB) + " |");
        }
        line("");
    }

    private void ratioTable(String title, String explanation, boolean timeOnly, ToDoubleFunction<Summary> value,
            java.util.function.Function<Summary, String> detail) {
        workloadTable(title, explanation + ". n/a: not applicable; —: not run; FAIL: verification failed.", timeOnly,
                (workload, allocator) -> cell(workload, allocator, results.summary(workload, Reports.BASELINE),
                        value, detail));
    }

    /** A table of a row per workload and a column per allocator measured, its cells from {@code cell}. */
    private void workloadTable(String title, String explanation, boolean timeOnly,
            java.util.function.BiFunction<String, String, String> cell) {
        List<String> allocators = results.allocatorsMeasured();
        line("## " + title);
        line("");
        line(explanation);
        line("");
        line("| workload | " + String.join(" | ", allocators) + " |");
        line("|---" + "|---".repeat(allocators.size()) + "|");
        for (String workload : results.options().workloads()) {
            if (timeOnly && !Workloads.byName(workload).orElseThrow().measuresTime()) {
                continue;
            }
            StringBuilder row = new StringBuilder("| " + workload + " |");
            for (String allocator : allocators) {
                row.append(' ').append(cell.apply(workload, allocator)).append(" |");
            }
            line(row.toString());
        }
        line("");
    }

    private String cell(String workload, String allocator, Optional<Summary> base, ToDoubleFunction<Summary> value,
            java.util.function.Function<Summary, String> detail) {
        Optional<Summary> summary = results.summary(workload, allocator);
        if (summary.isEmpty()) {
            return results.skipReason(workload, allocator).map(r -> r.startsWith("not applicable") ? "n/a" : "—")
                    .orElse("—");
        }
        Summary s = summary.get();
        if (!s.verified()) {
            return "FAIL";
        }
        String ratio = base.isPresent() && value.applyAsDouble(base.get()) > 0
                ? String.format(Locale.ROOT, "%.2f", value.applyAsDouble(s) / value.applyAsDouble(base.get()))
                : "?";
        return ratio + " (" + detail.apply(s) + ")";
    }

    /**
     * The whole process's peak beside lgmalloc's, in MiB. The table above counts what the workload added over the RSS
     * at its start, so memory an allocator held before that and then used for the workload is not in it: its
     * start-up (tcmalloc's, a few MiB) and, preloaded, what it keeps of the JVM's own freed memory. Every measuring
     * JVM has the same flags and pre-touched heap, so their peaks differ only by the allocator and by noise.
     */
    private void processPeakTable() {
        workloadTable("Process peak RSS", "The measuring JVM's whole peak RSS in the same first runs, in MiB above "
                + "lgmalloc's JVM's (negative: lower). Unlike the table above, it counts what an allocator held before "
                + "the workload began and then used for it (its start-up, and preloaded, what it keeps of the JVM's "
                + "own freed memory). Every measuring JVM has the same flags and pre-touched heap; about ±1 MiB is "
                + "noise.", false, (workload, allocator) -> processPeakCell(results.summary(workload, allocator),
                        results.summary(workload, Reports.BASELINE)));
    }

    /** One cell of {@link #processPeakTable}: MiB above lgmalloc's peak, or "—" when either run is missing. */
    static String processPeakCell(Optional<Summary> summary, Optional<Summary> base) {
        if (summary.isEmpty() || base.isEmpty()) {
            return "—";
        }
        long above = summary.get().first().peakRss() - base.get().first().peakRss();
        return String.format(Locale.ROOT, "%+.1f", above / MIB);
    }

    private void memoryDetail() {
        line("## Memory per workload");
        line("");
        line("First run of each workload in a fresh JVM. RSS/requested: peak RSS added divided by the peak of bytes "
                + "requested and not yet freed (sampled every millisecond). Returned: share of the added RSS given "
                + "back after everything was freed and the settle time passed; after release: RSS added that "
                + "remains after the allocator's own release call.");
        line("");
        line("| workload | allocator | peak RSS added | peak requested | RSS/requested | returned | "
                + "left after release call |");
        line("|---|---|---|---|---|---|---|");
        for (String workload : results.options().workloads()) {
            for (String allocator : results.allocatorsMeasured()) {
                results.summary(workload, allocator).ifPresent(s -> {
                    Measurement m = s.first();
                    line(String.format(Locale.ROOT, "| %s | %s | %.1f MiB | %.1f MiB | %s | %s | %.1f MiB |",
                            workload, allocator, m.peakRssDelta() / MIB, m.peakLiveRequested() / MIB,
                            number(m.rssPerRequested(), "%.2f"), percent(m.returnedFraction()),
                            Math.max(0, m.releasedRss() - m.baselineRss()) / MIB));
                });
            }
        }
        line("");
    }

    private void footprint() {
        line("## Footprint and per-thread overhead");
        line("");
        line("footprint-48: RSS added per byte requested while each thread holds its 48-byte blocks (goal for "
                + "lgmalloc: at most 1.01), and the Java heap each live block costs (objects the peer or its "
                + "adapter keeps per block). thread-overhead: RSS each thread adds beyond its blocks and its stack; it is a "
                + "difference of two readings of the whole JVM's RSS, so a few KiB either way (even below zero) is noise.");
        line("");
        line("| allocator | RSS/requested, 48 B blocks | Java heap per live block | per-thread overhead |");
        line("|---|---|---|---|");
        for (String allocator : results.allocatorsMeasured()) {
            Optional<Summary> footprint = results.summary("footprint-48", allocator);
            Optional<Summary> threads = results.summary("thread-overhead", allocator);
            if (footprint.isEmpty() && threads.isEmpty()) {
                continue;
            }
            line("| " + allocator + " | "
                    + footprint.map(s -> number(s.metrics().getOrDefault("rssPerRequested", Double.NaN), "%.3f"))
                            .orElse("—") + " | "
                    + footprint.map(s -> number(s.metrics().getOrDefault("heapBytesPerBlock", Double.NaN),
                            "%.1f B")).orElse("—") + " | "
                    + threads.map(s -> number(s.metrics().getOrDefault("perThreadOverheadBytes", Double.NaN)
                            / 1024, "%.1f KiB")).orElse("—") + " |");
        }
        line("");
    }

    private void losses() {
        line("## Where lgmalloc is not the best");
        line("");
        line("Peers only (not lgmalloc-plan); RSS differences under 1 MiB are treated as noise.");
        line("");
        List<String> found = new Comparisons(results).losses();
        if (found.isEmpty()) {
            line("lgmalloc is the fastest on every timed workload and its peak RSS is within 10% of the best peer.");
        }
        for (String loss : found) {
            line("- " + loss);
        }
        line("");
    }

    private void verification() {
        line("## Verification");
        line("");
        List<Measurement> failed = results.measurements().stream().filter(m -> !m.verified()).toList();
        if (failed.isEmpty() && results.failures().isEmpty()) {
            line("Every run verified: each block allocated was freed exactly once and its contents were intact.");
        }
        for (Measurement m : failed) {
            line("- " + m.allocator() + " / " + m.workload() + " run " + m.repetition() + ": " + m.verification());
        }
        for (SuiteResults.Skip f : results.failures()) {
            line("- " + f.allocator() + " / " + f.workload() + ": " + f.reason());
        }
        line("");
    }

    private void skipped() {
        if (results.skips().isEmpty()) {
            return;
        }
        line("## Skipped");
        line("");
        for (SuiteResults.Skip s : results.skips()) {
            line("- " + s.allocator() + (s.workload().equals("*") ? "" : " / " + s.workload()) + ": " + s.reason());
        }
        line("");
    }

    private void workloads() {
        line("## Workloads");
        line("");
        for (String name : results.options().workloads()) {
            Workload w = Workloads.byName(name).orElseThrow();
            line("- **" + name + "**: " + w.origin() + ". Here: "
                    + w.parameters(results.options().threads(), results.options().quick()) + ".");
        }
        line("");
    }

    private static String number(double value, String format) {
        return Double.isNaN(value) ? "—" : String.format(Locale.ROOT, format, value);
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }

    private void line(String text) {
        md.append(text).append('\n');
    }
}
