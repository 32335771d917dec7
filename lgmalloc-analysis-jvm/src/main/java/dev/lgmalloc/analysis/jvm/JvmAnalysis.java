package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.analysis.AnalysisResult;
import java.util.List;

/**
 * The analysis of a classpath: the shared model's result (sites, warnings, plan) and the JVM-specific view of
 * the same sites (entry point, whether lgmalloc serves the call).
 *
 * @param result the result; its plan's demand and exact classes come from the routable sites only
 * @param sites  the sites of the classes the running JDK loads, with what the agent needs to rewrite them: the
 *               result's first sites, in the same order; the result's other sites are those of the copies a
 *               multi-release JAR holds for other Java releases, reported and never routed
 */
public record JvmAnalysis(AnalysisResult result, List<FoundSite> sites) {

    public JvmAnalysis {
        sites = List.copyOf(sites);
    }
}
