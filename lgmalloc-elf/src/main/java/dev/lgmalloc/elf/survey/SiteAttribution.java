package dev.lgmalloc.elf.survey;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.elf.sites.AllocatorCatalog;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of the analyser's sites a run-time call belongs to. The call's return address names the site that
 * called the allocator. When that site is a wrapper's forwarding call (the one whose size the analysis leaves to
 * the wrapper's callers) and the next frame up is a site that calls that wrapper through the same chain, the call
 * belongs to the outer site, whose size the analysis predicts through the wrapper; and so on outwards. Any other
 * call inside a wrapper stays its own site: a constant one ({@code hash_create}'s {@code malloc(16)} beside its
 * forwarding {@code malloc(8 * n)}), or a call of another allocation function on a side path (perl's
 * {@code Perl_Slab_Alloc} allocating a new slab).
 *
 * <p>A call of a library function that tail-calls the allocator (libstdc++'s {@code std::string::_M_create}
 * tail-calls {@code operator new}) has the return address of the call of that function: the site there.
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
        for (int i = 1; site != null && isForwarding(site) && i < frames.size(); i++) {
            if (!frames.get(i).object().equals(frames.getFirst().object())) {
                break;
            }
            AllocationSite outer = byReturnAddress.get(frames.get(i).vaddr());
            if (outer == null || !calls(outer, site)) {
                break;
            }
            site = outer;
        }
        return site;
    }

    /** A wrapper's forwarding call: the analyser says so in the site's note ("wrapper: size is rdi of its callers"). */
    private static boolean isForwarding(AllocationSite site) {
        return !site.sizes().isKnown() && site.note().contains("wrapper: size is");
    }

    /**
     * Whether {@code outer} reaches the allocator through {@code inner}'s function and then {@code inner}'s chain.
     * A library function at the head of the chain that tail-calls ({@code _M_create} calling gdb's own
     * {@code operator new}) leaves no frame, so the frame above the wrapper's is its caller's.
     */
    private static boolean calls(AllocationSite outer, AllocationSite inner) {
        List<String> chain = outer.wrapperChain();
        while (!chain.isEmpty() && AllocatorCatalog.tailCallsAllocator(chain.getFirst())) {
            chain = chain.subList(1, chain.size());
        }
        return outer.callee().equals(inner.callee()) && !chain.isEmpty()
                && chain.getFirst().equals(((ElfSiteLocation) inner.location()).function())
                && chain.subList(1, chain.size()).equals(inner.wrapperChain());
    }
}
