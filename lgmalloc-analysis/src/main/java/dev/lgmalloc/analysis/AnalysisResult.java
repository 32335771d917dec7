package dev.lgmalloc.analysis;

import java.util.List;

/**
 * What an analyser found in one input.
 *
 * @param input    the analysed file or classpath, as given
 * @param format   what the input was, e.g. {@code ELF x86-64 PIE}, {@code JAR}, {@code class directory}
 * @param sites    every allocation site found
 * @param warnings problems that did not stop the analysis (a class that failed to parse, a truncated section)
 * @param plan     the plan built from {@code sites}
 */
public record AnalysisResult(String input, String format, List<AllocationSite> sites, List<String> warnings,
                             AllocationPlan plan) {

    public AnalysisResult {
        sites = List.copyOf(sites);
        warnings = List.copyOf(warnings);
    }
}
