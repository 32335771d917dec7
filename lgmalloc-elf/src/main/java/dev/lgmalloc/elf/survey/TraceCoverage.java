package dev.lgmalloc.elf.survey;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One program's run-time calls held against the analyser's sites and the objdump baseline's.
 *
 * <p>Coverage is the share of calls (made from the binary's own code) whose site has a predicted size: known
 * at all, and known with confidence at or above the threshold. Precision is the share of the calls covered at the
 * threshold whose size was in the predicted set. The baseline has no confidence: its sites are all counted.
 */
public final class TraceCoverage {

    /** A site the analysis did not cover at the threshold, with the calls that went through it. */
    public record Miss(String where, String function, String reason, long calls, TreeSet<Long> sizes) {
    }

    private final double threshold;
    private long calls;
    private long known;
    private long covered;
    private long correct;
    private long wrongBelowThreshold;
    private long baselineCovered;
    private long baselineCorrect;
    private final TreeSet<Long> sitesSeen = new TreeSet<>();
    private final Map<String, Miss> misses = new HashMap<>();
    private final Map<String, Long> wrong = new java.util.TreeMap<>();

    public TraceCoverage(List<RuntimeCalls.Call> runtime, List<AllocationSite> sites, Map<Long, Long> baseline,
                         double threshold) {
        this.threshold = threshold;
        SiteAttribution attribution = new SiteAttribution(sites);
        for (RuntimeCalls.Call c : runtime) {
            calls += c.count();
            AllocationSite site = attribution.siteOf(c);
            if (site != null) {
                sitesSeen.add(((ElfSiteLocation) site.location()).address());
            }
            boolean inSet = site != null && site.sizes().isKnown()
                    && Arrays.stream(site.sizes().values()).anyMatch(v -> v == c.size());
            if (site != null && site.sizes().isKnown()) {
                known += c.count();
                if (site.reliability() >= threshold) {
                    covered += c.count();
                    correct += inSet ? c.count() : 0;
                    if (!inSet) {
                        wrong.merge(site.location().describe() + " predicted " + site.sizes() + ", requested "
                                + c.size(), c.count(), Long::sum);
                    }
                } else if (!inSet) {
                    wrongBelowThreshold += c.count();
                }
            }
            if (site == null || !site.sizes().isKnown() || site.reliability() < threshold) {
                miss(c, site);
            }
            Long base = baseline.get(c.frames().getFirst().vaddr());
            if (base != null) {
                baselineCovered += c.count();
                baselineCorrect += base == c.size() ? c.count() : 0;
            }
        }
    }

    private void miss(RuntimeCalls.Call c, AllocationSite site) {
        String where;
        String function;
        String reason;
        if (site == null) {
            where = String.format("ret 0x%x", c.frames().getFirst().vaddr());
            function = "?";
            reason = "no site at this return address";
        } else {
            ElfSiteLocation at = (ElfSiteLocation) site.location();
            where = String.format("0x%x", at.address());
            function = at.function();
            reason = site.sizes().isKnown()
                    ? String.format("confidence %.2f below the threshold", site.reliability()) : site.note();
        }
        Miss m = misses.computeIfAbsent(where, k -> new Miss(k, function, reason, 0, new TreeSet<>()));
        m.sizes().add(c.size());
        misses.put(where, new Miss(m.where(), m.function(), m.reason(), m.calls() + c.count(), m.sizes()));
    }

    public long calls() {
        return calls;
    }

    public int sitesSeen() {
        return sitesSeen.size();
    }

    /** Share of calls whose site has a known size, whatever its confidence. */
    public double knownShare() {
        return share(known, calls);
    }

    /** Share of calls whose site has a known size at or above the threshold. */
    public double coverage() {
        return share(covered, calls);
    }

    /** Of the calls covered at the threshold, the share whose size was predicted (1 when none were covered). */
    public double precision() {
        return covered == 0 ? 1 : share(correct, covered);
    }

    public double baselineCoverage() {
        return share(baselineCovered, calls);
    }

    public double baselinePrecision() {
        return baselineCovered == 0 ? 1 : share(baselineCorrect, baselineCovered);
    }

    /** Calls from sites predicted below the threshold whose size was outside the prediction. */
    public long wrongBelowThreshold() {
        return wrongBelowThreshold;
    }

    /** Each distinct wrong prediction at the threshold, described, with its calls (empty at 100 % precision). */
    public Map<String, Long> wrongPredictions() {
        return wrong;
    }

    /** The sites that cost the most coverage, most calls first. */
    public List<Miss> topMisses(int n) {
        return misses.values().stream().sorted(Comparator.comparingLong(Miss::calls).reversed()).limit(n).toList();
    }

    /**
     * Of the missed sites, those that requested one size only in this run, most calls first: the ones a better
     * analysis may still predict (a site with many sizes at run time is usually truly dynamic: strings, buffers).
     */
    public List<Miss> topSingleSizeMisses(int n) {
        return misses.values().stream().filter(m -> m.sizes().size() == 1)
                .sorted(Comparator.comparingLong(Miss::calls).reversed()).limit(n).toList();
    }

    /** Share of all calls made from missed sites that requested one size only in this run. */
    public double singleSizeMissShare() {
        return share(misses.values().stream().filter(m -> m.sizes().size() == 1).mapToLong(Miss::calls).sum(), calls);
    }

    /** The threshold this coverage was measured at. */
    public double threshold() {
        return threshold;
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }
}
