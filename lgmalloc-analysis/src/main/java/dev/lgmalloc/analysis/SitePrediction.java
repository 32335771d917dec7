package dev.lgmalloc.analysis;

import java.util.Objects;

/**
 * A site's predicted size class and how sure the prediction is.
 *
 * @param site            the site
 * @param sizeClass       the most likely class in the plan's size classes, or -1 when the sizes are unknown or
 *                        larger than the biggest small class
 * @param blockSize       the block size of {@code sizeClass}, or 0 when it is -1
 * @param confidence      probability that a request of this site falls in {@code sizeClass}, discounted by the
 *                        site's reliability
 * @param weight          static frequency weight (grows with loop depth)
 * @param routed          whether the site may take the class's fast path: it is routable and its confidence
 *                        reaches the plan's threshold
 * @param notRoutedReason why the site is not routed, e.g. {@code confidence below the threshold 0.90}; empty when
 *                        it is routed
 */
public record SitePrediction(AllocationSite site, int sizeClass, int blockSize, double confidence, double weight,
                             boolean routed, String notRoutedReason) {

    public SitePrediction {
        Objects.requireNonNull(notRoutedReason, "notRoutedReason");
        if (routed != notRoutedReason.isEmpty()) {
            throw new IllegalArgumentException(routed ? "a routed site has no reason not to be routed"
                    : "a site that is not routed needs the reason");
        }
    }

    /** The same prediction, never routed, for {@code reason}: the site is reported, not rewritten. */
    public SitePrediction reportedOnly(String reason) {
        return new SitePrediction(site, sizeClass, blockSize, confidence, weight, false, reason);
    }
}
