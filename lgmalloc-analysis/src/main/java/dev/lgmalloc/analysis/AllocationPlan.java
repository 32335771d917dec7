package dev.lgmalloc.analysis;

import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.Collections;
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
        List<SitePrediction> routed = new ArrayList<>(); // a loop, no stream: the agent calls this in premain
        for (SitePrediction s : sites) {
            if (s.routed()) {
                routed.add(s);
            }
        }
        return Collections.unmodifiableList(routed);
    }

    /** The exact sizes this plan adds to the standard size classes. */
    public int[] exactSizes() {
        return sizeClasses.exactSizes();
    }

    /** The block sizes of the predicted classes, by descending demand: what each new heap should pre-provision. */
    public int[] provisionedBlockSizes() {
        int[] out = new int[classes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = classes.get(i).blockSize();
        }
        return out;
    }
}
