package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.workload.Workloads;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Finds, from the results themselves, the workloads where a peer beats lgmalloc on time or memory. */
final class Comparisons {

    /** The memory goal: lgmalloc's RSS no more than 10% above the best peer's. */
    static final double RSS_TOLERANCE = 1.10;
    /** RSS differences below this are page-granularity and JVM noise, not an allocator's doing. */
    static final long RSS_NOISE_BYTES = 1L << 20;

    private final SuiteResults results;

    Comparisons(SuiteResults results) {
        this.results = results;
    }

    List<String> losses() {
        List<String> losses = new ArrayList<>();
        for (String workload : results.options().workloads()) {
            Optional<Summary> lg = results.summary(workload, Reports.BASELINE).filter(Summary::verified);
            if (lg.isEmpty()) {
                continue;
            }
            List<Summary> peers = results.allocatorsMeasured().stream().filter(Comparisons::isPeer)
                    .flatMap(a -> results.summary(workload, a).stream()).filter(Summary::verified).toList();
            if (Workloads.byName(workload).orElseThrow().measuresTime()) {
                peers.stream().min(Comparator.comparingDouble(Summary::medianSeconds))
                        .filter(best -> best.medianSeconds() < lg.get().medianSeconds())
                        .ifPresent(best -> losses.add(String.format(Locale.ROOT,
                                "%s: %s is faster (%.3f s against lgmalloc's %.3f s, %.2fx)", workload,
                                best.allocator(), best.medianSeconds(), lg.get().medianSeconds(),
                                lg.get().medianSeconds() / best.medianSeconds())));
            }
            peers.stream().filter(s -> s.first().peakRssDelta() > 0)
                    .min(Comparator.comparingLong(s -> s.first().peakRssDelta()))
                    .filter(best -> lg.get().first().peakRssDelta() > RSS_TOLERANCE * best.first().peakRssDelta()
                            && lg.get().first().peakRssDelta() - best.first().peakRssDelta() >= RSS_NOISE_BYTES)
                    .ifPresent(best -> losses.add(String.format(Locale.ROOT,
                            "%s: lgmalloc's peak RSS (+%.1f MiB) is more than 10%% above %s's (+%.1f MiB)", workload,
                            lg.get().first().peakRssDelta() / 1048576.0, best.allocator(),
                            best.first().peakRssDelta() / 1048576.0)));
        }
        return losses;
    }

    /** Another allocator, not lgmalloc itself in another configuration. */
    static boolean isPeer(String allocator) {
        return !allocator.equals(Reports.BASELINE) && !allocator.startsWith(Reports.BASELINE + "-");
    }
}
