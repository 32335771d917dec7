package dev.lgmalloc.analysis;

import java.util.List;
import java.util.Objects;

/**
 * One call instruction that allocates, with what the analysis predicts it requests.
 *
 * @param location     where the call is
 * @param callee       the allocation entry point called, e.g. {@code malloc}, {@code _Znwm},
 *                     {@code dev/lgmalloc/LgMalloc.malloc(J)J}
 * @param wrapperChain allocation wrappers between this site and the allocator, outermost first (empty for a
 *                     direct call), e.g. {@code [xmalloc]} for a call to {@code xmalloc} that calls {@code malloc}
 * @param sizes        the sizes the site may request
 * @param reliability  in [0, 1]: how far the prediction rests on assumptions that can break at run time
 *                     (1 for literals; lower for non-final fields, callers outside the analysed code, ...)
 * @param loopDepth    how many loops enclose the site (0 when none): its static frequency
 * @param note         a short reason for the prediction or for its absence, may be empty
 */
public record AllocationSite(SiteLocation location, String callee, List<String> wrapperChain, SizeSet sizes,
                             double reliability, int loopDepth, String note) {

    public AllocationSite {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(callee, "callee");
        wrapperChain = List.copyOf(wrapperChain);
        Objects.requireNonNull(sizes, "sizes");
        if (!(reliability >= 0 && reliability <= 1)) {
            throw new IllegalArgumentException("reliability must be in [0, 1]: " + reliability);
        }
        if (loopDepth < 0) {
            throw new IllegalArgumentException("loop depth must not be negative: " + loopDepth);
        }
        note = note == null ? "" : note;
    }

    /** The same site at {@code where}: the same call, with more said about where it is. */
    public AllocationSite at(SiteLocation where) {
        return new AllocationSite(where, callee, wrapperChain, sizes, reliability, loopDepth, note);
    }
}
