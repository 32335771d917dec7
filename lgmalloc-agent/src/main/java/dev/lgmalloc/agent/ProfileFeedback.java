package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.jvm.FoundSite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sizes observed at run time by a verification run, used at the next start of the same classpath: a site whose
 * requests were not predicted (or contradicted the prediction) but took few distinct sizes gets those sizes as
 * its prediction. A site whose observed sizes all lie in its static prediction keeps the static one.
 *
 * <p>File format: one tab-separated line per site with requests:
 * {@code site class method descriptor bci calls size:count,... untracked}.
 */
public final class ProfileFeedback {

    /** Reliability of a prediction taken from a profile with at least {@link #CONFIDENT_CALLS} requests. */
    static final double PROFILE_RELIABILITY = 0.95;
    /** Fewer observed requests than this give only weak evidence. */
    static final long CONFIDENT_CALLS = 16;
    static final double WEAK_RELIABILITY = 0.5;

    /**
     * What one site requested.
     *
     * @param calls     requests
     * @param sizes     requests per size
     * @param untracked requests whose size was not kept
     */
    public record Observed(long calls, Map<Long, Long> sizes, long untracked) {

        public Observed {
            sizes = Map.copyOf(sizes);
        }
    }

    private final Map<String, Observed> bySite;

    private ProfileFeedback(Map<String, Observed> bySite) {
        this.bySite = Map.copyOf(bySite);
    }

    /** Feedback with the given observations, keyed by {@link #key(JvmSiteLocation)}. */
    public static ProfileFeedback of(Map<String, Observed> bySite) {
        return new ProfileFeedback(bySite);
    }

    /** Feedback read from {@code file}; none when it does not exist or cannot be parsed. */
    public static ProfileFeedback load(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return of(Map.of());
        }
        try {
            Map<String, Observed> out = new HashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                List<String> f = Fields.split(line);
                if (f.size() != 8 || !f.getFirst().equals("site")) {
                    throw new IllegalArgumentException("malformed line: " + line);
                }
                Map<Long, Long> sizes = new TreeMap<>();
                if (!f.get(6).isEmpty()) {
                    for (String pair : f.get(6).split(",")) {
                        int colon = pair.indexOf(':');
                        sizes.put(Long.parseLong(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1)));
                    }
                }
                out.put(key(f.get(1), f.get(2), f.get(3), Integer.parseInt(f.get(4))),
                        new Observed(Long.parseLong(f.get(5)), sizes, Long.parseLong(f.get(7))));
            }
            return of(out);
        } catch (IOException | RuntimeException e) {
            AgentLog.info("ignoring unreadable profile " + file + ": " + AgentLog.describe(e));
            return of(Map.of());
        }
    }

    /** The profile line of a site. */
    static String line(JvmSiteLocation l, Observed o) {
        StringBuilder sizes = new StringBuilder();
        new TreeMap<>(o.sizes()).forEach((s, c) -> sizes.append(sizes.isEmpty() ? "" : ",").append(s).append(':')
                .append(c));
        return Fields.join("site", l.className(), l.methodName(), l.methodDescriptor(), Integer.toString(l.bci()),
                Long.toString(o.calls()), sizes.toString(), Long.toString(o.untracked()));
    }

    static String key(JvmSiteLocation l) {
        return key(l.className(), l.methodName(), l.methodDescriptor(), l.bci());
    }

    private static String key(String cls, String method, String desc, int bci) {
        return cls + "." + method + desc + "@" + bci;
    }

    /** Whether there is no observation. */
    public boolean isEmpty() {
        return bySite.isEmpty();
    }

    /** The sites with predictions adjusted by what was observed; the others as they are. */
    public List<FoundSite> apply(List<FoundSite> sites) {
        List<FoundSite> out = new ArrayList<>(sites.size());
        for (FoundSite f : sites) {
            Observed o = bySite.get(key(f.location()));
            out.add(o == null ? f : adjusted(f, o));
        }
        return out;
    }

    private static FoundSite adjusted(FoundSite f, Observed o) {
        AllocationSite s = f.site();
        if (o.calls() == 0 || o.untracked() > 0 || o.sizes().size() > SizeSet.MAX_VALUES) {
            return f; // too varied to predict
        }
        SizeSet observed = SizeSet.of(o.sizes().keySet().stream().mapToLong(Long::longValue).toArray());
        if (!observed.isKnown() || (s.sizes().isKnown() && s.sizes().union(observed).equals(s.sizes()))) {
            return f; // the static prediction already covers what happened
        }
        double reliability = o.calls() >= CONFIDENT_CALLS ? PROFILE_RELIABILITY : WEAK_RELIABILITY;
        AllocationSite adjusted = new AllocationSite(s.location(), s.callee(), s.wrapperChain(), observed,
                reliability, s.loopDepth(), "profile: " + observed + " in " + o.calls() + " calls; static: "
                + s.sizes());
        return new FoundSite(adjusted, f.entryPoint(), f.api());
    }
}
