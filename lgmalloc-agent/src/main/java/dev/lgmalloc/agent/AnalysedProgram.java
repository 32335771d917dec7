package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.jvm.FoundSite;
import java.util.List;
import java.util.Map;

/**
 * What the agent keeps of an analysis, and caches: the sites found (static predictions, before any threshold
 * or profile feedback is applied) and, for each class with sites, the CRC32C of the class file that was
 * analysed, so a class that changed since is never rewritten from a stale plan.
 *
 * @param sites     the sites, in the analyser's order
 * @param classCrcs CRC32C of each analysed class file, by internal name
 * @param warnings  the analyser's warnings
 */
public record AnalysedProgram(List<FoundSite> sites, Map<String, Long> classCrcs, List<String> warnings) {

    public AnalysedProgram {
        sites = List.copyOf(sites);
        classCrcs = Map.copyOf(classCrcs);
        warnings = List.copyOf(warnings);
    }
}
