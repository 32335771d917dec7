package dev.lgmalloc.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How well confidence predicts correctness: for each confidence band, how many of the sites with a known
 * prediction that ran had every runtime size inside the predicted set, and the same by request. A calibrated
 * analyser's share in a band is at least the band's lower bound.
 */
final class Calibration {

    /** The bands' lower bounds, highest first; each band runs up to the previous bound (the first, to 1). */
    static final double[] BANDS = {0.95, 0.9, 0.7, 0.5, 0.0};

    /** One site's verdict: its confidence, and how many of its requests were in the predicted set. */
    record Observation(double confidence, long calls, long inPredictedSet) {
    }

    /** One band's counts. */
    record Band(double from, double to, int sites, int sitesAlwaysInSet, long calls, long callsInSet) {

        String siteShare() {
            return sites == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * sitesAlwaysInSet / sites);
        }

        String callShare() {
            return calls == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * callsInSet / calls);
        }
    }

    private Calibration() {
    }

    /** The bands of the observations of sites that ran (sites that never ran say nothing about their prediction). */
    static List<Band> of(List<Observation> observations) {
        List<Band> bands = new ArrayList<>();
        double upper = 1.0;
        for (double lower : BANDS) {
            int sites = 0;
            int always = 0;
            long calls = 0;
            long inSet = 0;
            for (Observation o : observations) {
                boolean inBand = o.confidence() >= lower && (o.confidence() < upper || upper == 1.0);
                if (inBand && o.calls() > 0) {
                    sites++;
                    always += o.inPredictedSet() == o.calls() ? 1 : 0;
                    calls += o.calls();
                    inSet += o.inPredictedSet();
                }
            }
            bands.add(new Band(lower, upper, sites, always, calls, inSet));
            upper = lower;
        }
        return bands;
    }

    /** The bands as a small table. */
    static String table(List<Band> bands) {
        StringBuilder sb = new StringBuilder("calibration (sites with a known prediction that ran):\n");
        sb.append(String.format(Locale.ROOT, "  %-12s %6s %16s %10s %16s%n", "confidence", "sites",
                "always in set", "requests", "requests in set"));
        for (Band b : bands) {
            sb.append(String.format(Locale.ROOT, "  [%.2f, %.2f%s %6d %9d %6s %10d %9d %6s%n", b.from(), b.to(),
                    b.to() == 1.0 ? "]" : ")", b.sites(), b.sitesAlwaysInSet(), b.siteShare(), b.calls(),
                    b.callsInSet(), b.callShare()));
        }
        return sb.toString();
    }
}
