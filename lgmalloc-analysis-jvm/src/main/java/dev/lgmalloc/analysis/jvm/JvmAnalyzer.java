package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.analysis.AllocationPlan;
import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.SitePrediction;
import dev.lgmalloc.analysis.SourceFile;
import dev.lgmalloc.analysis.jvm.program.CallerScope;
import dev.lgmalloc.analysis.jvm.program.ClassUniverse;
import dev.lgmalloc.analysis.jvm.program.ClassValidation;
import dev.lgmalloc.analysis.jvm.program.ProgramAnalysis;
import dev.lgmalloc.analysis.jvm.program.SiteReports;
import dev.lgmalloc.analysis.jvm.program.StaticFieldFacts;
import dev.lgmalloc.analysis.jvm.read.ApiReferenceFilter;
import dev.lgmalloc.analysis.jvm.read.CallerIndex;
import dev.lgmalloc.analysis.jvm.read.ClassPathContents;
import dev.lgmalloc.analysis.jvm.read.ClassPathReader;
import dev.lgmalloc.analysis.jvm.read.ClassSource;
import dev.lgmalloc.analysis.jvm.read.ScanBuffer;
import java.io.File;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.attribute.NestHostAttribute;
import java.lang.classfile.attribute.NestMembersAttribute;
import java.lang.classfile.constantpool.ClassEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;

/**
 * Finds the allocation call sites of JVM classes and predicts the sizes they request.
 *
 * <p>Two ways in: {@link #analyze(List, double)} reads a whole classpath (JARs, directories, class files) and
 * sees every caller in it; {@link #analyzeClass(byte[])} analyses one class as a
 * {@link java.lang.instrument.ClassFileTransformer} receives it, reading other classes (static finals, nest
 * members) through a {@link ClassResolver}. An instance caches what it learnt about other classes and may be
 * used from several threads.
 */
public final class JvmAnalyzer {

    private final ClassUniverse universe;
    private final StaticFieldFacts statics;

    /** An analyser for single classes that finds other classes through {@code resolver}. */
    public JvmAnalyzer(ClassResolver resolver) {
        this.universe = new ClassUniverse(resolver::classBytes);
        this.statics = new StaticFieldFacts(universe);
    }

    /** Analyses a classpath code outside it may call into and builds the plan; see {@link #analyzeDetailed}. */
    public static AnalysisResult analyze(List<Path> classpath, double threshold) throws AnalysisException {
        return analyzeDetailed(classpath, threshold, World.OPEN).result();
    }

    /** Analyses a classpath and builds the plan; see {@link #analyzeDetailed(List, double, World)}. */
    public static AnalysisResult analyze(List<Path> classpath, double threshold, World world)
            throws AnalysisException {
        return analyzeDetailed(classpath, threshold, world).result();
    }

    /** {@link #analyzeDetailed(List, double, World)} in an open world: the classpath may be a library. */
    public static JvmAnalysis analyzeDetailed(List<Path> classpath, double threshold) throws AnalysisException {
        return analyzeDetailed(classpath, threshold, World.OPEN);
    }

    /**
     * Analyses every class of a classpath whose constant pool refers to an allocation entry point, plus the
     * classes that call methods whose parameters reach those sites.
     *
     * @param threshold the confidence a site needs to be routed, in (0, 1]
     * @param world     {@link World#CLOSED} when the classpath is the whole program, so that the parameters of
     *                  public and protected methods can be predicted from their callers on it
     * @throws AnalysisException when an input does not exist, none of the inputs can be read, or every class that
     *                           may allocate is malformed
     */
    public static JvmAnalysis analyzeDetailed(List<Path> classpath, double threshold, World world)
            throws AnalysisException {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("routing threshold must be in (0, 1]: " + threshold);
        }
        ClassPathContents contents = ClassPathReader.read(classpath);
        Set<String> warnings = new LinkedHashSet<>(contents.warnings()); // a class may fail in both passes
        ClassUniverse universe = new ClassUniverse(contents::bytesOf);
        List<ClassModel> initial = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        ScanBuffer scan = new ScanBuffer();
        for (ClassSource source : contents.classes()) {
            if (!ApiReferenceFilter.mayCallAllocationApi(source.content(), scan)) {
                continue;
            }
            // No lambdas or streams from here to the plan: the agent runs this in a cold JVM before main, where
            // each lambda is a class spun on first use.
            Optional<ClassModel> cm = parsed(source, warnings);
            if (cm.isEmpty()) {
                malformed.add(source.origin());
            } else if (ApiReferenceFilter.callsAllocationApi(cm.get())) {
                initial.add(cm.get());
            }
        }
        if (initial.isEmpty() && !malformed.isEmpty()) {
            // Every class that may allocate is malformed: "0 sites" would pass a broken input off as a clean one.
            throw new AnalysisException(warnings.stream().filter(w -> malformed.stream().anyMatch(w::startsWith))
                    .collect(Collectors.joining("; ")));
        }
        CallerScope scope = world == World.CLOSED ? CallerScope.CLOSED_CLASS_PATH : CallerScope.OPEN_CLASS_PATH;
        ProgramAnalysis program = new ProgramAnalysis(universe, new StaticFieldFacts(universe), scope);
        ProgramAnalysis.CallerDiscovery discovery = new IndexedCallerDiscovery(contents, warnings);
        program.run(initial, discovery);
        warnings.addAll(program.warnings());
        List<FoundSite> sites = new ArrayList<>();
        for (String cls : program.analysedClasses()) {
            Optional<ClassSource> classSource = contents.source(cls);
            SourceFile source = classSource.isPresent() ? classSource.get().source() : SourceFile.UNKNOWN;
            for (ProgramAnalysis.SiteFinding finding : program.sitesOf(cls)) {
                sites.add(SiteReports.toSite(finding).from(source));
            }
        }
        List<FoundSite> otherReleases = OtherReleases.analyse(contents, discovery, scope, warnings);
        StringJoiner input = new StringJoiner(File.pathSeparator);
        for (Path p : classpath) {
            input.add(p.toString());
        }
        List<AllocationSite> allSites = new ArrayList<>(sites.size() + otherReleases.size());
        for (FoundSite f : sites) {
            allSites.add(f.site());
        }
        for (FoundSite f : otherReleases) {
            allSites.add(f.site());
        }
        AnalysisResult result = new AnalysisResult(input.toString(), contents.format(), List.copyOf(allSites),
                List.copyOf(warnings), withOtherReleases(plan(sites, threshold), otherReleases, contents));
        return new JvmAnalysis(result, sites);
    }

    /** The plan with the sites of other releases' copies added as reported, never routed, predictions. */
    private static AllocationPlan withOtherReleases(AllocationPlan plan, List<FoundSite> otherReleases,
                                                    ClassPathContents contents) {
        if (otherReleases.isEmpty()) {
            return plan;
        }
        List<SitePrediction> predictions = new ArrayList<>(plan.sites());
        for (FoundSite s : otherReleases) {
            predictions.add(ReportOnlyPredictions.predict(s, plan.sizeClasses(),
                    OtherReleases.notLoadedReason(s, contents)));
        }
        return new AllocationPlan(plan.threshold(), plan.sizeClasses(), predictions, plan.classes());
    }

    /** Parses a class, or records a warning naming it when it is malformed. */
    static Optional<ClassModel> parsed(ClassSource source, Set<String> warnings) {
        try {
            ClassModel cm = ClassUniverse.parse(source.bytes());
            ClassValidation.check(cm);
            return Optional.of(cm);
        } catch (RuntimeException e) {
            warnings.add(source.origin() + ": malformed class file: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Finds callers through an index of every class's method references, built on first use. */
    private static final class IndexedCallerDiscovery implements ProgramAnalysis.CallerDiscovery {

        private final ClassPathContents contents;
        private final Set<String> warnings;
        private CallerIndex index;

        IndexedCallerDiscovery(ClassPathContents contents, Set<String> warnings) {
            this.contents = contents;
            this.warnings = warnings;
        }

        @Override
        public List<ClassModel> classesReferencing(Set<String> namesAndTypes, Set<String> analysed) {
            if (index == null) {
                index = CallerIndex.of(contents);
            }
            List<ClassModel> out = new ArrayList<>();
            for (String name : index.classesReferring(namesAndTypes)) {
                Optional<ClassSource> source = analysed.contains(name) ? Optional.empty() : contents.source(name);
                Optional<ClassModel> cm = source.isPresent() ? parsed(source.get(), warnings) : Optional.empty();
                if (cm.isPresent()) {
                    out.add(cm.get());
                }
            }
            return out;
        }
    }

    /**
     * Builds the plan of a program's sites: demand, exact classes and routing come from the routable sites
     * (lgmalloc's, and {@code Unsafe.allocateMemory}'s); the others get a prediction with their confidence for the
     * report, never routed.
     */
    public static AllocationPlan plan(List<FoundSite> sites, double threshold) {
        List<AllocationSite> routable = new ArrayList<>();
        for (FoundSite s : sites) {
            if (s.routable()) {
                routable.add(s.site());
            }
        }
        AllocationPlan base = PlanBuilder.build(routable, threshold);
        List<SitePrediction> predictions = new ArrayList<>(sites.size());
        int next = 0;
        for (FoundSite s : sites) {
            predictions.add(s.routable() ? base.sites().get(next++)
                    : ReportOnlyPredictions.predict(s, base.sizeClasses(), ReportOnlyPredictions.JDK_API));
        }
        return new AllocationPlan(threshold, base.sizeClasses(), predictions, base.classes());
    }

    /** Analyses one class with a fresh analyser; see {@link #analyzeClass(byte[])}. */
    public static ClassAnalysis analyzeClass(byte[] classBytes, ClassResolver resolver) throws AnalysisException {
        return new JvmAnalyzer(resolver).analyzeClass(classBytes);
    }

    /**
     * Finds the allocation sites of one class, given as its class file bytes (e.g. in a transformer). Constant
     * arguments of callers are propagated from the class itself and its nest members; public and protected
     * methods get none (code elsewhere calls them), facts about the parameters of package-private ones, whose
     * other callers are not seen, are discounted. Returns no sites, quickly,
     * when the class cannot call an allocation entry point.
     *
     * @throws AnalysisException when the bytes are not a well-formed class file
     */
    public ClassAnalysis analyzeClass(byte[] classBytes) throws AnalysisException {
        ClassModel cm;
        String name;
        try {
            cm = ClassUniverse.parse(classBytes);
            ClassValidation.check(cm);
            name = cm.thisClass().asInternalName();
            if (!ApiReferenceFilter.mayCallAllocationApi(classBytes) || !ApiReferenceFilter.callsAllocationApi(cm)) {
                return new ClassAnalysis(name, List.of(), List.of());
            }
        } catch (RuntimeException e) {
            throw new AnalysisException("malformed class file: " + e.getMessage(), e);
        }
        List<ClassModel> classes = new ArrayList<>();
        classes.add(cm);
        classes.addAll(nestMates(cm, name));
        ProgramAnalysis program = new ProgramAnalysis(universe, statics, CallerScope.ONE_CLASS);
        program.run(classes, null);
        List<FoundSite> sites = program.sitesOf(name).stream().map(SiteReports::toSite).toList();
        List<String> warnings = program.warnings().stream().filter(w -> w.startsWith(name + ".")).toList();
        return new ClassAnalysis(name, sites, warnings);
    }

    /** The other members of the class's nest: they may call its private methods. */
    private List<ClassModel> nestMates(ClassModel cm, String name) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Optional<NestHostAttribute> host = cm.findAttribute(Attributes.nestHost());
            String hostName = host.map(h -> h.nestHost().asInternalName()).orElse(name);
            names.add(hostName);
            Optional<ClassModel> hostModel = hostName.equals(name) ? Optional.of(cm) : universe.programClass(hostName);
            hostModel.flatMap(h -> h.findAttribute(Attributes.nestMembers()))
                    .map(NestMembersAttribute::nestMembers)
                    .ifPresent(members -> members.stream().map(ClassEntry::asInternalName).forEach(names::add));
        } catch (RuntimeException e) {
            return List.of(); // a malformed nest attribute: analyse the class alone
        }
        names.remove(name);
        List<ClassModel> out = new ArrayList<>();
        for (String n : names) {
            universe.programClass(n).ifPresent(out::add);
        }
        return out;
    }
}
