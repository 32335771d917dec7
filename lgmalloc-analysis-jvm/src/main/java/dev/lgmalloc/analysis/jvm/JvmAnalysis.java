package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.analysis.AnalysisResult;
import java.util.List;

/**
 * The analysis of a classpath: the shared model's result (sites, warnings, plan) and the JVM-specific view of
 * the same sites (entry point, whether lgmalloc serves the call).
 *
 * @param result the result; its plan's demand and exact classes come from the routable sites only
 * @param sites  the same sites in the same order, with what the agent needs to rewrite them
 */
public record JvmAnalysis(AnalysisResult result, List<FoundSite> sites) {

    public JvmAnalysis {
        sites = List.copyOf(sites);
    }
}
