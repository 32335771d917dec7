package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.workload.Workloads;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The goals, checked against ratios measured in the same run; a goal without data says so. */
final class Goals {

    /**
     * One goal.
     *
     * @param goal     what the issue asks
     * @param measured what this run measured
     * @param met      true or false, or null when this run did not measure it
     */
    record Goal(String goal, String measured, Boolean met) {
        String status() {
            return met == null ? "not measured" : met ? "met" : "MISSED";
        }
    }

    private final SuiteResults results;

    Goals(SuiteResults results) {
        this.results = results;
    }

    List<Goal> evaluate() {
        List<Goal> goals = new ArrayList<>();
        goals.add(pair64());
        goals.add(producerConsumer());
        goals.add(ports());
        goals.add(footprint());
        if (results.options().quick()) {
            // Quick mode checks correctness; its small runs cannot meet or miss a performance goal.
            return goals.stream().map(g -> new Goal(g.goal(), "quick mode, not a measurement: " + g.measured(), null))
                    .toList();
        }
        return goals;
    }

    private Goal pair64() {
        String goal = "64 B pair, 1 thread: at least 2.5x faster than the fastest native allocator through a "
                + "critical downcall";
        List<JmhResult> rows = results.jmh().stream().filter(r -> r.benchmark().equals("PeerPairBenchmark.pair")
                && r.threads() == 1 && "64".equals(r.params().get("size"))).toList();
        Optional<JmhResult> lg = rows.stream().filter(r -> r.allocator().equals(Reports.BASELINE)).findFirst();
        Optional<JmhResult> best = rows.stream().filter(r -> r.allocator().endsWith("-critical"))
                .min(Comparator.comparingDouble(JmhResult::score));
        if (lg.isEmpty() || best.isEmpty()) {
            return new Goal(goal, "no JMH pair results (run with --jmh)", null);
        }
        double ratio = best.get().score() / lg.get().score();
        return new Goal(goal, String.format(Locale.ROOT, "lgmalloc %.2f ns, %s %.2f ns: %.2fx", lg.get().score(),
                best.get().allocator(), best.get().score(), ratio), ratio >= 2.5);
    }

    private Goal producerConsumer() {
        String goal = "producer/consumer (one thread allocates, another frees): at least 2x the pairs/s of the best "
                + "peer";
        List<JmhResult> rows = results.jmh().stream()
                .filter(r -> r.benchmark().equals("PeerProducerConsumerBenchmark.producerConsumer:pairs")).toList();
        Optional<JmhResult> lg = rows.stream().filter(r -> r.allocator().equals(Reports.BASELINE)).findFirst();
        Optional<JmhResult> best = rows.stream().filter(r -> Comparisons.isPeer(r.allocator()))
                .max(Comparator.comparingDouble(JmhResult::score));
        if (lg.isEmpty() || best.isEmpty()) {
            return new Goal(goal, "no JMH producer/consumer results (run with --jmh)", null);
        }
        double ratio = lg.get().score() / best.get().score();
        return new Goal(goal, String.format(Locale.ROOT, "lgmalloc %.1f M pairs/s, %s %.1f M pairs/s: %.2fx",
                lg.get().score(), best.get().allocator(), best.get().score(), ratio), ratio >= 2.0);
    }

    private Goal ports() {
        String goal = "every mimalloc-bench port: lgmalloc fastest, with peak RSS at most 10% above the best peer";
        List<String> ports = results.options().workloads().stream()
                .filter(w -> Workloads.byName(w).orElseThrow().measuresTime()).toList();
        if (ports.stream().allMatch(w -> results.summary(w, Reports.BASELINE).isEmpty())) {
            return new Goal(goal, "no port was run with lgmalloc", null);
        }
        List<String> losses = new Comparisons(results).losses();
        long lost = ports.stream().filter(w -> losses.stream().anyMatch(l -> l.startsWith(w + ":"))).count();
        return new Goal(goal, (ports.size() - lost) + " of the " + ports.size() + " ports run met both (see the "
                + "list below)", lost == 0);
    }

    private Goal footprint() {
        String goal = "RSS/requested at most 1.01 for 100k blocks of 48 B per thread";
        Optional<Double> ratio = results.summary("footprint-48", Reports.BASELINE)
                .map(s -> s.metrics().get("rssPerRequested"));
        if (ratio.isEmpty() || ratio.get() == null) {
            return new Goal(goal, "footprint-48 was not run with lgmalloc", null);
        }
        return new Goal(goal, String.format(Locale.ROOT, "lgmalloc %.3f", ratio.get()), ratio.get() <= 1.01);
    }
}
