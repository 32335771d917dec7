package dev.lgmalloc.analysis;

import dev.lgmalloc.SizeClasses;
import java.util.List;

/**
 * The program-level prediction handed to the allocator: the size classes to use (with exact classes for
 * predicted constant sizes), per class the predicted demand, and per site its class and confidence.
 *
 * @param threshold   the confidence a site needs to be routed
 * @param sizeClasses the size classes the plan is expressed in (standard plus {@link #exactSizes()})
 * @param sites       one prediction per analysed site, in the order the analyser reported them
 * @param classes     the predicted classes, by descending demand
 */
public record AllocationPlan(double threshold, SizeClasses sizeClasses, List<SitePrediction> sites,
                             List<ClassDemand> classes) {

    public AllocationPlan {
        sites = List.copyOf(sites);
        classes = List.copyOf(classes);
    }

    /** The sites whose confidence reaches the threshold. */
    public List<SitePrediction> routedSites() {
        return sites.stream().filter(SitePrediction::routed).toList();
    }

    /** The exact sizes this plan adds to the standard size classes. */
    public int[] exactSizes() {
        return sizeClasses.exactSizes();
    }

    /** The block sizes of the predicted classes, by descending demand: what each new heap should pre-provision. */
    public int[] provisionedBlockSizes() {
        return classes.stream().mapToInt(ClassDemand::blockSize).toArray();
    }
}
