package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.SizeClasses;
import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.SitePrediction;

/**
 * Predictions for sites that are reported but never routed (the JDK's APIs): {@link PlanBuilder#predict}
 * against the plan's classes, with {@code routed} false and no contribution to demand.
 */
final class ReportOnlyPredictions {

    private ReportOnlyPredictions() {
    }

    static SitePrediction predict(AllocationSite site, SizeClasses classes) {
        SitePrediction p = PlanBuilder.predict(site, classes, 1.0);
        return new SitePrediction(site, p.sizeClass(), p.blockSize(), p.confidence(), p.weight(), false);
    }
}
