package dev.lgmalloc.elf.survey;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of the analyser's sites a run-time call belongs to. The call's return address names the site that
 * called the allocator; when that site is a wrapper's own forwarding call (its size unknown there: it is the
 * callers') and the next frame up is a site that calls that wrapper, the call belongs to the outer site (the one
 * whose size the analysis predicts through the wrapper), and so on outwards. A wrapper's own constant call
 * ({@code hash_create}'s {@code malloc(16)} beside its forwarding {@code malloc(8 * n)}) stays its own.
 */
public final class SiteAttribution {

    private final Map<Long, AllocationSite> byReturnAddress = new HashMap<>();

    public SiteAttribution(List<AllocationSite> sites) {
        for (AllocationSite s : sites) {
            long ra = ((ElfSiteLocation) s.location()).returnAddress();
            if (ra != 0) {
                byReturnAddress.put(ra, s);
            }
        }
    }

    /** The site the call is attributed to, or null when its return address is no site the analysis found. */
    public AllocationSite siteOf(RuntimeCalls.Call call) {
        List<RuntimeCalls.Frame> frames = call.frames();
        AllocationSite site = byReturnAddress.get(frames.getFirst().vaddr());
        for (int i = 1; site != null && !site.sizes().isKnown() && i < frames.size(); i++) {
            if (!frames.get(i).object().equals(frames.getFirst().object())) {
                break;
            }
            AllocationSite outer = byReturnAddress.get(frames.get(i).vaddr());
            String function = ((ElfSiteLocation) site.location()).function();
            if (outer == null || outer.wrapperChain().isEmpty() || !outer.wrapperChain().getFirst().equals(function)) {
                break;
            }
            site = outer;
        }
        return site;
    }
}
