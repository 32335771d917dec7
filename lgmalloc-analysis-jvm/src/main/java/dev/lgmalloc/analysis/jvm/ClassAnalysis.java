package dev.lgmalloc.analysis.jvm;

import java.util.List;

/**
 * The allocation sites of one class.
 *
 * @param className internal name of the class
 * @param sites     its sites, by method then bytecode index
 * @param warnings  problems that did not stop the analysis (a method that could not be interpreted, say)
 */
public record ClassAnalysis(String className, List<FoundSite> sites, List<String> warnings) {

    public ClassAnalysis {
        sites = List.copyOf(sites);
        warnings = List.copyOf(warnings);
    }
}
