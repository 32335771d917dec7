package dev.lgmalloc.agent;

import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.analysis.AllocationPlan;
import dev.lgmalloc.analysis.SitePrediction;
import dev.lgmalloc.analysis.jvm.FoundSite;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan the agent applies: the allocator configuration (the plan's exact classes, and pre-provisioning of the
 * predicted classes), and per class the sites the transformer handles.
 *
 * @param plan          the analyser's plan at the chosen threshold
 * @param configuration the allocator configuration; its size classes are the plan's, so class indices agree
 * @param classes       the sites of each class with sites, by internal name
 * @param sites         every site, by id
 */
public record RoutingPlan(AllocationPlan plan, AllocatorConfiguration configuration, Map<String, ClassSites> classes,
                          List<PlannedSite> sites) {

    /** Each new heap pre-provisions at most this many classes (those of highest demand): a page each per heap. */
    public static final int MAX_PROVISIONED_CLASSES = 16;

    /**
     * The sites of one class and the CRC32C of the class file they were found in.
     *
     * @param crc   CRC32C of the analysed class file
     * @param sites its sites
     */
    public record ClassSites(long crc, List<PlannedSite> sites) {

        public ClassSites {
            sites = List.copyOf(sites);
        }
    }

    public RoutingPlan {
        classes = Map.copyOf(classes);
        sites = List.copyOf(sites);
    }

    /** Builds the plan of {@code program} with routing threshold {@code threshold}. */
    public static RoutingPlan of(AnalysedProgram program, double threshold) {
        List<FoundSite> found = program.sites();
        AllocationPlan plan = JvmAnalyzer.plan(found, threshold);
        AllocatorConfiguration configuration = configurationFor(plan);
        List<PlannedSite> sites = new ArrayList<>(found.size());
        Map<String, List<PlannedSite>> byClass = new LinkedHashMap<>();
        for (int i = 0; i < found.size(); i++) {
            SitePrediction p = plan.sites().get(i);
            PlannedSite s = PlannedSite.of(i, p, found.get(i).entryPoint());
            sites.add(s);
            // Loops rather than lambdas and streams here: premain runs this in a cold JVM, where each lambda is a
            // class spun on first use.
            List<PlannedSite> ofClass = byClass.get(s.location().className());
            if (ofClass == null) {
                ofClass = new ArrayList<>();
                byClass.put(s.location().className(), ofClass);
            }
            ofClass.add(s);
        }
        Map<String, ClassSites> classes = new LinkedHashMap<>();
        for (Map.Entry<String, List<PlannedSite>> e : byClass.entrySet()) {
            Long crc = program.classCrcs().get(e.getKey());
            if (crc != null) { // a class whose bytes could not be read is never rewritten
                classes.put(e.getKey(), new ClassSites(crc, e.getValue()));
            }
        }
        return new RoutingPlan(plan, configuration, classes, sites);
    }

    /**
     * The allocator configuration of {@code plan}: exactly the plan's size classes, and pre-provisioning of its
     * predicted classes of highest demand.
     *
     * @throws IllegalStateException if the resulting size classes differ from the plan's (class indices would not
     *                               agree, so routing would send requests to the wrong classes)
     */
    public static AllocatorConfiguration configurationFor(AllocationPlan plan) {
        long[] exact = asLongs(plan.exactSizes(), Integer.MAX_VALUE);
        long[] provisioned = asLongs(plan.provisionedBlockSizes(), MAX_PROVISIONED_CLASSES);
        AllocatorConfiguration c = AllocatorConfiguration.defaults().withExactSizes(exact)
                .withProvisionedSizes(provisioned);
        if (!Arrays.equals(c.sizeClasses().blockSizes(), plan.sizeClasses().blockSizes())) {
            throw new IllegalStateException("the allocator's size classes " + c.sizeClasses()
                    + " differ from the plan's " + plan.sizeClasses());
        }
        return c;
    }

    private static long[] asLongs(int[] values, int limit) {
        long[] out = new long[Math.min(values.length, limit)];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** The sites of class {@code internalName}, or null when it has none. */
    public ClassSites sitesOf(String internalName) {
        return classes.get(internalName);
    }

    /** How many sites the transformer rewrites to a fast path. */
    public long fastPathSites() {
        long n = 0;
        for (PlannedSite s : sites) {
            if (s.fastPath()) {
                n++;
            }
        }
        return n;
    }
}
