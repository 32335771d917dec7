package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.SizeClasses;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.SitePrediction;

/**
 * Predictions for sites that are reported but never routed (the JDK's APIs): {@link PlanBuilder#predict}
 * against the plan's classes, with {@code routed} false and no contribution to demand.
 */
final class ReportOnlyPredictions {

    /** Why a JDK call is not routed: only lgmalloc's own calls can be sent to a size class's fast path. */
    static final String JDK_API = "report-only API (the JDK's; transparent mode serves it, not by site)";

    private ReportOnlyPredictions() {
    }

    static SitePrediction predict(FoundSite site, SizeClasses classes, String reason) {
        return PlanBuilder.predict(site.site(), classes, 1.0).reportedOnly(reason);
    }
}
