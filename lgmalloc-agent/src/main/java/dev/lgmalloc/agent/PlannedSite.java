package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SitePrediction;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.jvm.EntryPoint;

/**
 * One found site as the transformer handles it.
 *
 * @param id         the site's index in the plan: how verification records find it
 * @param location   where the invoke is
 * @param entryPoint the API it calls
 * @param sizes      the predicted sizes; unknown for sites read from the warm-start route cache, which keeps
 *                   only what routing uses
 * @param sizeClass  the predicted class in the configured size classes, -1 if none
 * @param blockSize  that class's block size, 0 if none
 * @param confidence the prediction's confidence
 * @param routed     whether the plan routes it (confidence at the threshold, an lgmalloc call)
 * @param fastPath   whether the transformer rewrites it to the class's fast path: routed, and the core has a
 *                   predicted fast path for its entry point ({@code malloc} and {@code allocate(long)})
 */
public record PlannedSite(int id, JvmSiteLocation location, EntryPoint entryPoint, SizeSet sizes, int sizeClass,
                          int blockSize, double confidence, boolean routed, boolean fastPath) {

    static PlannedSite of(int id, SitePrediction p, EntryPoint ep) {
        JvmSiteLocation loc = (JvmSiteLocation) p.site().location();
        boolean fast = p.routed() && p.sizeClass() >= 0 && FastPaths.has(ep);
        return new PlannedSite(id, loc, ep, p.site().sizes(), p.sizeClass(), p.blockSize(), p.confidence(),
                p.routed(), fast);
    }

    /** {@code class.method(desc) @bci}, for messages. */
    public String describe() {
        return location.describe();
    }
}
