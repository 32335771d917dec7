package dev.lgmalloc.analysis.jvm;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SourceFile;
import java.util.Objects;

/**
 * An allocation site as the JVM analyser found it: the shared model's site plus what the agent needs to
 * rewrite it.
 *
 * @param site       the site and its predicted sizes; its location is a {@link JvmSiteLocation}
 * @param entryPoint the entry point the invoke instruction names
 * @param api        {@link AllocationApi#LGMALLOC} when the call reaches lgmalloc: the entry point is lgmalloc's,
 *                   or it is an {@code Arena}/{@code SegmentAllocator} call whose receiver is known to be an
 *                   {@code LgArena}
 */
public record FoundSite(AllocationSite site, EntryPoint entryPoint, AllocationApi api) {

    public FoundSite {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(entryPoint, "entryPoint");
        Objects.requireNonNull(api, "api");
        if (!(site.location() instanceof JvmSiteLocation)) {
            throw new IllegalArgumentException("not a JVM site: " + site.location());
        }
    }

    /** Where the invoke is. */
    public JvmSiteLocation location() {
        return (JvmSiteLocation) site.location();
    }

    /** The same site, read from {@code source}. */
    public FoundSite from(SourceFile source) {
        return new FoundSite(site.at(location().from(source)), entryPoint, api);
    }

    /**
     * Whether the agent may route this site to a size class's fast path (given enough confidence): lgmalloc's
     * calls, and {@code Unsafe.allocateMemory}, which the agent's transparent mode serves from lgmalloc.
     */
    public boolean routable() {
        return api == AllocationApi.LGMALLOC || EntryPoints.servedTransparently(entryPoint);
    }
}
