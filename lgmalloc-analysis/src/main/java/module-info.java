/** The allocation-site and prediction model shared by lgmalloc's analysers. */
module dev.lgmalloc.analysis {
    requires transitive dev.lgmalloc.core;
    exports dev.lgmalloc.analysis;
    exports dev.lgmalloc.analysis.graph;
    exports dev.lgmalloc.analysis.value;
}
