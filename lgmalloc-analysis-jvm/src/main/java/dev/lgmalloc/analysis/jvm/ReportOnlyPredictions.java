package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.SizeClasses;
import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.SitePrediction;

/**
 * Predictions for sites that are reported but never routed (the JDK's APIs): the same confidence formula as
 * {@link PlanBuilder} (share of the size set in the best class, times reliability) against the plan's classes,
 * with {@code routed} false and no contribution to demand.
 */
final class ReportOnlyPredictions {

    private ReportOnlyPredictions() {
    }

    static SitePrediction predict(AllocationSite site, SizeClasses classes) {
        double weight = PlanBuilder.weight(site.loopDepth());
        long[] values = site.sizes().values();
        int[] counts = new int[classes.count()];
        int best = -1;
        for (long v : values) {
            int c = classes.classOf(v);
            if (c >= 0) {
                counts[c]++;
                if (best < 0 || counts[c] > counts[best] || (counts[c] == counts[best] && c < best)) {
                    best = c;
                }
            }
        }
        if (best < 0) {
            return new SitePrediction(site, -1, 0, 0, weight, false);
        }
        double confidence = site.reliability() * counts[best] / values.length;
        return new SitePrediction(site, best, classes.blockSize(best), confidence, weight, false);
    }
}
