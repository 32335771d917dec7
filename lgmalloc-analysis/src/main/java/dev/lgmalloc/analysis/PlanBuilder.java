package dev.lgmalloc.analysis;

import dev.lgmalloc.SizeClasses;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Turns analysed sites into an {@link AllocationPlan}.
 *
 * <p>The confidence of a site for a class is the share of its predicted sizes that fall in that class, times
 * the site's reliability; a site predicts the class with the largest share. Sites in loops weigh more: the
 * weight is {@code 8^loopDepth} (capped at depth 4). A class's demand is the sum of weight times confidence of
 * its sites. A confident site with one constant size that has no class of its own gets an exact class.
 */
public final class PlanBuilder {

    /** The default confidence a site needs to be routed. */
    public static final double DEFAULT_THRESHOLD = 0.9;

    private static final int MAX_WEIGHTED_DEPTH = 4;

    private PlanBuilder() {
    }

    /**
     * {@code text} as a routing threshold, or empty when it is no number in (0, 1]: each command line words the
     * mistake its own way.
     */
    public static OptionalDouble parseThreshold(String text) {
        try {
            double t = Double.parseDouble(text);
            return t > 0 && t <= 1 ? OptionalDouble.of(t) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /** Builds the plan for {@code sites} with the given routing threshold in (0, 1]. */
    public static AllocationPlan build(List<AllocationSite> sites, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("routing threshold must be in (0, 1]: " + threshold);
        }
        SizeClasses classes = SizeClasses.withExactSizes(exactCandidates(sites, threshold));
        List<SitePrediction> predictions = new ArrayList<>(sites.size());
        double[] demand = new double[classes.count()];
        double[] weights = new double[classes.count()];
        int[] siteCounts = new int[classes.count()];
        for (AllocationSite site : sites) {
            SitePrediction p = predict(site, classes, threshold);
            predictions.add(p);
            if (p.sizeClass() >= 0) {
                demand[p.sizeClass()] += p.weight() * p.confidence();
                weights[p.sizeClass()] += p.weight();
                siteCounts[p.sizeClass()]++;
            }
        }
        List<ClassDemand> demands = new ArrayList<>();
        for (int c = 0; c < demand.length; c++) {
            if (siteCounts[c] > 0 && demand[c] > 0) {
                demands.add(new ClassDemand(c, classes.blockSize(c), classes.isExact(c), demand[c],
                        demand[c] / weights[c], siteCounts[c]));
            }
        }
        demands.sort(new ByDemandThenClass());
        return new AllocationPlan(threshold, classes, predictions, demands);
    }

    /**
     * Highest demand first, then by size class. A named comparator, as the loops here are loops, rather than
     * lambdas: the agent builds plans in a cold JVM before main, where each lambda is a class spun on first use.
     */
    private static final class ByDemandThenClass implements Comparator<ClassDemand> {
        @Override
        public int compare(ClassDemand a, ClassDemand b) {
            int byDemand = Double.compare(b.demand(), a.demand());
            return byDemand != 0 ? byDemand : Integer.compare(a.sizeClass(), b.sizeClass());
        }
    }

    /** The static frequency weight of a site at {@code loopDepth}. */
    public static double weight(int loopDepth) {
        return Math.pow(8, Math.min(loopDepth, MAX_WEIGHTED_DEPTH));
    }

    /**
     * The prediction of one site against {@code classes}: its most likely class, the confidence for it, its
     * weight, and whether it reaches {@code threshold}.
     */
    public static SitePrediction predict(AllocationSite site, SizeClasses classes, double threshold) {
        double weight = weight(site.loopDepth());
        long[] values = site.sizes().values();
        if (values.length == 0) {
            return new SitePrediction(site, -1, 0, 0, weight, false, "size not predicted");
        }
        int[] counts = new int[classes.count()];
        int best = -1;
        for (long v : values) {
            int c = classes.classOf(v);
            if (c >= 0) {
                counts[c]++;
                if (best < 0 || counts[c] > counts[best] || (counts[c] == counts[best] && c < best)) {
                    best = c;
                }
            }
        }
        if (best < 0) {
            return new SitePrediction(site, -1, 0, 0, weight, false,
                    "larger than the largest size class " + classes.blockSize(classes.count() - 1));
        }
        int inBest = counts[best];
        double confidence = site.reliability() * inBest / values.length;
        boolean routed = confidence >= threshold;
        return new SitePrediction(site, best, classes.blockSize(best), confidence, weight, routed,
                routed ? "" : String.format(Locale.ROOT, "confidence below the threshold %.2f", threshold));
    }

    private static long[] exactCandidates(List<AllocationSite> sites, double threshold) {
        Set<Long> sizes = new LinkedHashSet<>();
        for (AllocationSite site : sites) {
            if (site.sizes().isConstant() && site.reliability() >= threshold) {
                sizes.add(site.sizes().values()[0]);
            }
        }
        long[] out = new long[sizes.size()];
        int i = 0;
        for (long size : sizes) {
            out[i++] = size;
        }
        return out;
    }
}
