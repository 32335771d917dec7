package dev.lgmalloc.agent;

import dev.lgmalloc.agent.runtime.SiteRecorder;
import dev.lgmalloc.agent.runtime.SiteStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What verification mode reports at exit: per site the predicted and the real sizes and how often the
 * prediction held, as a table (standard error) and as JSON; plus the profile the next start uses.
 */
public final class VerificationReport {

    private final RoutingPlan plan;

    /** The report of {@code plan}'s sites, from {@link SiteRecorder}'s statistics. */
    public VerificationReport(RoutingPlan plan) {
        this.plan = plan;
    }

    /** Installs one {@link SiteStats} per site of {@code plan} in the recorder. */
    public static void install(RoutingPlan plan) {
        List<SiteStats> stats = new ArrayList<>();
        for (PlannedSite s : plan.sites()) {
            stats.add(new SiteStats(s.sizes().values(), s.sizeClass(), plan.configuration().sizeClasses()::classOf));
        }
        SiteRecorder.install(stats);
    }

    /** The per-site table and a summary line. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-56s %-14s %6s %5s %4s %9s %7s %7s  %s%n", "site", "predicted",
                "class", "conf", "fast", "calls", "in-set", "in-cls", "observed sizes"));
        for (PlannedSite s : plan.sites()) {
            SiteStats st = SiteRecorder.stats(s.id());
            sb.append(String.format(Locale.ROOT, "%-56s %-14s %6s %5.2f %4s %9d %7s %7s  %s%n", s.describe(),
                    s.sizes(), s.sizeClass() < 0 ? "-" : Integer.toString(s.blockSize()), s.confidence(),
                    s.fastPath() ? "yes" : "no", st.calls(), percent(st.inPredictedSet(), st.calls(), s.sizes().isKnown()),
                    percent(st.inPredictedClass(), st.calls(), s.sizeClass() >= 0), observed(st)));
        }
        Summary sum = summary();
        sb.append(String.format(Locale.ROOT,
                "constant predictions: %d of %d requests matched (%s); fast-path sites: %d of %d requests in class (%s)%n",
                sum.constantHits, sum.constantCalls, percent(sum.constantHits, sum.constantCalls, true),
                sum.fastHits, sum.fastCalls, percent(sum.fastHits, sum.fastCalls, true)));
        sb.append(Calibration.table(calibration()));
        return sb.toString();
    }

    /** Confidence against outcome, band by band, over the sites whose prediction is a known set of sizes. */
    List<Calibration.Band> calibration() {
        List<Calibration.Observation> observations = new ArrayList<>();
        for (PlannedSite s : plan.sites()) {
            if (s.sizes().isKnown()) {
                SiteStats st = SiteRecorder.stats(s.id());
                observations.add(new Calibration.Observation(s.confidence(), st.calls(), st.inPredictedSet()));
            }
        }
        return Calibration.of(observations);
    }

    /** The report as one JSON object: {@code summary} and {@code sites}. */
    public String json() {
        Summary sum = summary();
        StringBuilder sb = new StringBuilder("{\"summary\":{");
        sb.append("\"constantPredictionCalls\":").append(sum.constantCalls)
          .append(",\"constantPredictionHits\":").append(sum.constantHits)
          .append(",\"fastPathCalls\":").append(sum.fastCalls)
          .append(",\"fastPathInClass\":").append(sum.fastHits)
          .append("},\"calibration\":[");
        List<Calibration.Band> bands = calibration();
        for (int i = 0; i < bands.size(); i++) {
            Calibration.Band b = bands.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"from\":%.2f,\"to\":%.2f", b.from(), b.to()))
              .append(",\"sites\":").append(b.sites())
              .append(",\"sitesAlwaysInSet\":").append(b.sitesAlwaysInSet())
              .append(",\"requests\":").append(b.calls())
              .append(",\"requestsInSet\":").append(b.callsInSet()).append('}');
        }
        sb.append("],\"sites\":[");
        for (PlannedSite s : plan.sites()) {
            SiteStats st = SiteRecorder.stats(s.id());
            sb.append(s.id() == 0 ? "" : ",").append("{\"id\":").append(s.id())
              .append(",\"class\":").append(quote(s.location().className()))
              .append(",\"method\":").append(quote(s.location().methodName()))
              .append(",\"descriptor\":").append(quote(s.location().methodDescriptor()))
              .append(",\"bci\":").append(s.location().bci())
              .append(",\"line\":").append(s.location().line())
              .append(",\"callee\":").append(quote(s.entryPoint().callee()))
              .append(",\"predicted\":").append(quote(s.sizes().toString()))
              .append(",\"sizeClass\":").append(s.sizeClass())
              .append(",\"blockSize\":").append(s.blockSize())
              .append(",\"confidence\":").append(String.format(Locale.ROOT, "%.4f", s.confidence()))
              .append(",\"routed\":").append(s.routed())
              .append(",\"fastPath\":").append(s.fastPath())
              .append(",\"calls\":").append(st.calls())
              .append(",\"inPredictedSet\":").append(st.inPredictedSet())
              .append(",\"inPredictedClass\":").append(st.inPredictedClass())
              .append(",\"untracked\":").append(st.untracked())
              .append(",\"sizes\":{");
            boolean first = true;
            for (Map.Entry<Long, Long> e : st.sizes().entrySet()) {
                sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
                first = false;
            }
            sb.append("}}");
        }
        return sb.append("]}").toString();
    }

    /** The profile lines of every site that made requests. */
    public String profile() {
        StringBuilder sb = new StringBuilder();
        for (PlannedSite s : plan.sites()) {
            SiteStats st = SiteRecorder.stats(s.id());
            if (st.calls() > 0) {
                sb.append(ProfileFeedback.line(s.location(),
                        new ProfileFeedback.Observed(st.calls(), st.sizes(), st.untracked()))).append('\n');
            }
        }
        return sb.toString();
    }

    /** Prints the table, writes the JSON report and the profile (either path may be null). */
    public void emit(Path jsonFile, Path profileFile) {
        System.err.print("[lgmalloc-agent] prediction accuracy\n" + table());
        write(jsonFile, json());
        write(profileFile, profile());
    }

    private static void write(Path file, String text) {
        if (file == null) {
            return;
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            AgentLog.info("cannot write " + file + ": " + AgentLog.describe(e));
        }
    }

    private record Summary(long constantCalls, long constantHits, long fastCalls, long fastHits) {
    }

    private Summary summary() {
        long cc = 0, ch = 0, fc = 0, fh = 0;
        for (PlannedSite s : plan.sites()) {
            SiteStats st = SiteRecorder.stats(s.id());
            if (s.sizes().isConstant()) {
                cc += st.calls();
                ch += st.inPredictedSet();
            }
            if (s.fastPath()) {
                fc += st.calls();
                fh += st.inPredictedClass();
            }
        }
        return new Summary(cc, ch, fc, fh);
    }

    private static String percent(long part, long whole, boolean applicable) {
        if (!applicable || whole == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    private static String observed(SiteStats st) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Map.Entry<Long, Long> e : st.sizes().entrySet()) {
            if (shown++ == 6) {
                sb.append(" ...");
                break;
            }
            sb.append(sb.isEmpty() ? "" : " ").append(e.getKey()).append('x').append(e.getValue());
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return dev.lgmalloc.analysis.Json.string(s);
    }
}
