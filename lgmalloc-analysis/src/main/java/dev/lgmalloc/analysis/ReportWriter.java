package dev.lgmalloc.analysis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/** Writes an {@link AnalysisResult} as a text table, JSON or CSV. */
public final class ReportWriter {

    private ReportWriter() {
    }

    /** The sites table and the per-class plan, for people. */
    public static void text(AnalysisResult result, Appendable out) {
        AllocationPlan plan = result.plan();
        line(out, "lgmalloc analysis of %s (%s)", result.input(), result.format());
        line(out, "%d allocation sites, %d routed at confidence >= %.2f", plan.sites().size(),
                plan.routedSites().size(), plan.threshold());
        line(out, "");
        line(out, "%-60s %-28s %-16s %7s %6s %5s %s", "site", "callee", "sizes", "class", "conf", "loop", "routed");
        for (SitePrediction p : plan.sites()) {
            AllocationSite s = p.site();
            String callee = s.wrapperChain().isEmpty() ? s.callee()
                    : String.join(" > ", s.wrapperChain()) + " > " + s.callee();
            line(out, "%-60s %-28s %-16s %7s %6.2f %5d %s", s.location().describe(), callee, s.sizes(),
                    p.sizeClass() < 0 ? "-" : Integer.toString(p.blockSize()), p.confidence(), s.loopDepth(),
                    p.routed() ? "yes" : "no");
        }
        line(out, "");
        line(out, "plan per size class (%d exact classes added)", plan.exactSizes().length);
        line(out, "%7s %6s %10s %6s %6s", "block", "exact", "demand", "conf", "sites");
        for (ClassDemand d : plan.classes()) {
            line(out, "%7d %6s %10.2f %6.2f %6d", d.blockSize(), d.exact() ? "yes" : "", d.demand(), d.confidence(),
                    d.sites());
        }
        for (String w : result.warnings()) {
            line(out, "warning: %s", w);
        }
    }

    /** One JSON object with {@code input}, {@code format}, {@code sites}, {@code plan} and {@code warnings}. */
    public static void json(AnalysisResult result, Appendable out) {
        AllocationPlan plan = result.plan();
        StringBuilder sb = new StringBuilder();
        sb.append("{\"input\":").append(jsonString(result.input()))
          .append(",\"format\":").append(jsonString(result.format()))
          .append(",\"threshold\":").append(number(plan.threshold()))
          .append(",\"sites\":[");
        for (int i = 0; i < plan.sites().size(); i++) {
            SitePrediction p = plan.sites().get(i);
            AllocationSite s = p.site();
            sb.append(i == 0 ? "" : ",").append('{');
            switch (s.location()) {
                case JvmSiteLocation j -> sb.append("\"class\":").append(jsonString(j.className()))
                        .append(",\"method\":").append(jsonString(j.methodName()))
                        .append(",\"descriptor\":").append(jsonString(j.methodDescriptor()))
                        .append(",\"bci\":").append(j.bci())
                        .append(",\"line\":").append(j.line());
                case ElfSiteLocation e -> sb.append("\"address\":").append(jsonString(hex(e.address())))
                        .append(",\"returnAddress\":").append(jsonString(hex(e.returnAddress())))
                        .append(",\"function\":").append(jsonString(e.function()));
            }
            sb.append(",\"callee\":").append(jsonString(s.callee())).append(",\"wrappers\":[");
            for (int w = 0; w < s.wrapperChain().size(); w++) {
                sb.append(w == 0 ? "" : ",").append(jsonString(s.wrapperChain().get(w)));
            }
            sb.append("],\"sizes\":");
            if (s.sizes().isKnown()) {
                sb.append('[');
                long[] v = s.sizes().values();
                for (int k = 0; k < v.length; k++) {
                    sb.append(k == 0 ? "" : ",").append(v[k]);
                }
                sb.append(']');
            } else {
                sb.append("null");
            }
            sb.append(",\"loopDepth\":").append(s.loopDepth())
              .append(",\"reliability\":").append(number(s.reliability()))
              .append(",\"blockSize\":").append(p.blockSize())
              .append(",\"confidence\":").append(number(p.confidence()))
              .append(",\"routed\":").append(p.routed())
              .append(",\"note\":").append(jsonString(s.note()))
              .append('}');
        }
        sb.append("],\"plan\":{\"exactSizes\":[");
        int[] exact = plan.exactSizes();
        for (int i = 0; i < exact.length; i++) {
            sb.append(i == 0 ? "" : ",").append(exact[i]);
        }
        sb.append("],\"classes\":[");
        for (int i = 0; i < plan.classes().size(); i++) {
            ClassDemand d = plan.classes().get(i);
            sb.append(i == 0 ? "" : ",")
              .append("{\"blockSize\":").append(d.blockSize())
              .append(",\"exact\":").append(d.exact())
              .append(",\"demand\":").append(number(d.demand()))
              .append(",\"confidence\":").append(number(d.confidence()))
              .append(",\"sites\":").append(d.sites()).append('}');
        }
        sb.append("]},\"warnings\":[");
        for (int i = 0; i < result.warnings().size(); i++) {
            sb.append(i == 0 ? "" : ",").append(jsonString(result.warnings().get(i)));
        }
        sb.append("]}\n");
        append(out, sb);
    }

    /**
     * One row per site. ELF sites: the call's and the return's ELF virtual addresses in hex and the enclosing
     * function (a tail call has no return address of its own: the column is empty). JVM sites: class, method and
     * bci as the location, the method as the function.
     */
    public static void csv(AnalysisResult result, Appendable out) {
        line(out, "location,return_address,function,callee,wrappers,sizes,block_size,confidence,loop_depth,routed");
        for (SitePrediction p : result.plan().sites()) {
            AllocationSite s = p.site();
            String location = switch (s.location()) {
                case JvmSiteLocation j -> j.className() + "." + j.methodName() + j.methodDescriptor() + "@" + j.bci();
                case ElfSiteLocation e -> hex(e.address());
            };
            String returnAddress = s.location() instanceof ElfSiteLocation e && e.returnAddress() != 0
                    ? hex(e.returnAddress()) : "";
            String function = switch (s.location()) {
                case JvmSiteLocation j -> j.className() + "." + j.methodName() + j.methodDescriptor();
                case ElfSiteLocation e -> e.function();
            };
            line(out, "%s,%s,%s,%s,%s,%s,%d,%s,%d,%s", csvField(location), returnAddress, csvField(function),
                    csvField(s.callee()),
                    csvField(String.join(" > ", s.wrapperChain())), csvField(s.sizes().toString()), p.blockSize(),
                    number(p.confidence()), s.loopDepth(), p.routed());
        }
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    private static String number(double d) {
        return String.format(Locale.ROOT, "%.4f", d);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** {@code s} as a JSON string literal, quotes and escapes included. */
    public static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static void line(Appendable out, String format, Object... args) {
        append(out, String.format(Locale.ROOT, format, args) + "\n");
    }

    private static void append(Appendable out, CharSequence s) {
        try {
            out.append(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
