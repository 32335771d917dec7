package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.analysis.jvm.program.ClassUniverse;
import dev.lgmalloc.analysis.jvm.program.CallerScope;
import dev.lgmalloc.analysis.jvm.program.ProgramAnalysis;
import dev.lgmalloc.analysis.jvm.program.SiteReports;
import dev.lgmalloc.analysis.jvm.program.StaticFieldFacts;
import dev.lgmalloc.analysis.jvm.read.ApiReferenceFilter;
import dev.lgmalloc.analysis.jvm.read.ClassPathContents;
import dev.lgmalloc.analysis.jvm.read.ClassSource;
import java.lang.classfile.ClassModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The sites of the copies of classes a multi-release JAR holds for other Java releases than the running one. They
 * are reported, so that a JAR is analysed whole, but never routed: the running JDK does not load them.
 *
 * <p>The copies of one release of one JAR are analysed together, as a program of their own in which they replace
 * the loaded copies of their names (a versioned class calls its own release's helpers).
 */
final class OtherReleases {

    private OtherReleases() {
    }

    /** The sites of {@code contents}' other releases, each from its JAR entry. */
    static List<FoundSite> analyse(ClassPathContents contents, ProgramAnalysis.CallerDiscovery discovery,
                                   CallerScope scope, Set<String> warnings) {
        Map<String, Map<String, ClassSource>> releases = new LinkedHashMap<>();
        for (ClassSource s : contents.otherReleases()) {
            releases.computeIfAbsent(s.source().file() + "!/" + s.releaseDirectory(), k -> new LinkedHashMap<>())
                    .put(s.internalName(), s);
        }
        List<FoundSite> sites = new ArrayList<>();
        for (Map<String, ClassSource> release : releases.values()) {
            sites.addAll(analyseRelease(release, contents, discovery, scope, warnings));
        }
        return sites;
    }

    /** Why a site of another release's copy is not routed. */
    static String notLoadedReason(FoundSite site, ClassPathContents contents) {
        String loaded = contents.source(site.location().className()).map(s -> s.source().entry()).orElse("?");
        return "not the copy Java " + Runtime.version().feature() + " loads (" + loaded + ")";
    }

    private static List<FoundSite> analyseRelease(Map<String, ClassSource> release, ClassPathContents contents,
                                                  ProgramAnalysis.CallerDiscovery discovery, CallerScope scope,
                                                  Set<String> warnings) {
        ClassUniverse universe = new ClassUniverse(name -> Optional.ofNullable(release.get(name))
                .map(ClassSource::bytes).or(() -> contents.bytesOf(name)));
        List<ClassModel> initial = new ArrayList<>();
        Map<String, ClassSource> sourceByName = new LinkedHashMap<>();
        for (ClassSource source : release.values()) {
            if (ApiReferenceFilter.mayCallAllocationApi(source.bytes())) {
                JvmAnalyzer.parsed(source, warnings).filter(ApiReferenceFilter::callsAllocationApi).ifPresent(cm -> {
                    initial.add(cm);
                    sourceByName.put(cm.thisClass().asInternalName(), source);
                });
            }
        }
        if (initial.isEmpty()) {
            return List.of();
        }
        ProgramAnalysis program = new ProgramAnalysis(universe, new StaticFieldFacts(universe), scope);
        program.run(initial, discovery);
        warnings.addAll(program.warnings());
        List<FoundSite> sites = new ArrayList<>();
        sourceByName.forEach((name, source) -> program.sitesOf(name).stream().map(SiteReports::toSite)
                .map(site -> site.from(source.source())).forEach(sites::add));
        return sites;
    }
}
