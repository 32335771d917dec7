package dev.lgmalloc.analysis;

/**
 * A site's predicted size class and how sure the prediction is.
 *
 * @param site       the site
 * @param sizeClass  the most likely class in the plan's size classes, or -1 when the sizes are unknown or larger
 *                   than the biggest small class
 * @param blockSize  the block size of {@code sizeClass}, or 0 when it is -1
 * @param confidence probability that a request of this site falls in {@code sizeClass}, discounted by the site's
 *                   reliability
 * @param weight     static frequency weight (grows with loop depth)
 * @param routed     whether the confidence reaches the plan's threshold, so the site may take the class's fast path
 */
public record SitePrediction(AllocationSite site, int sizeClass, int blockSize, double confidence, double weight,
                             boolean routed) {
}
