package dev.lgmalloc.analysis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an {@link AnalysisResult} as a text table, JSON (indented, or JSON Lines: one site per line) or CSV. Every
 * site says which file it is in: the class file or JAR and its entry, or the ELF binary.
 */
public final class ReportWriter {

    private ReportWriter() {
    }

    /** The sites table, under a line naming each site's file, and the per-class plan, for people. */
    public static void text(AnalysisResult result, Appendable out) {
        AllocationPlan plan = result.plan();
        line(out, "lgmalloc analysis of %s (%s)", result.input(), result.format());
        line(out, "%d allocation sites, %d routed at confidence >= %.2f", plan.sites().size(),
                plan.routedSites().size(), plan.threshold());
        line(out, "");
        line(out, "%-60s %-28s %-16s %7s %6s %5s %s", "site", "callee", "sizes", "class", "conf", "loop", "routed");
        String file = null;
        for (SitePrediction p : plan.sites()) {
            AllocationSite s = p.site();
            String siteFile = sourceOf(result, s).describe();
            if (!siteFile.equals(file)) {
                file = siteFile;
                line(out, "in %s", file.isEmpty() ? "(file not known)" : file);
            }
            String callee = s.wrapperChain().isEmpty() ? s.callee()
                    : String.join(" > ", s.wrapperChain()) + " > " + s.callee();
            line(out, "  %-58s %-28s %-16s %7s %6.2f %5d %s", s.location().describe(), callee, s.sizes(),
                    p.sizeClass() < 0 ? "-" : Integer.toString(p.blockSize()), p.confidence(), s.loopDepth(),
                    p.routed() ? "yes" : "no: " + p.notRoutedReason());
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

    /**
     * One JSON object, indented: {@code input}, {@code format}, {@code threshold}, {@code sites}, {@code plan} and
     * {@code warnings}.
     */
    public static void json(AnalysisResult result, Appendable out) {
        Map<String, Object> report = header(result);
        report.put("sites", result.plan().sites().stream().map(p -> site(result, p)).toList());
        report.put("plan", plan(result.plan()));
        report.put("warnings", result.warnings());
        append(out, Json.pretty(report) + "\n");
    }

    /**
     * JSON Lines: one object per site ({@code "type":"site"}, the same fields as in {@link #json}), then one
     * summary object ({@code "type":"summary"}) with the input, the counts, the plan and the warnings.
     */
    public static void jsonLines(AnalysisResult result, Appendable out) {
        for (SitePrediction p : result.plan().sites()) {
            Map<String, Object> site = new LinkedHashMap<>();
            site.put("type", "site");
            site.putAll(site(result, p));
            append(out, Json.compact(site) + "\n");
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("type", "summary");
        summary.putAll(header(result));
        summary.put("sites", result.plan().sites().size());
        summary.put("routed", result.plan().routedSites().size());
        summary.put("plan", plan(result.plan()));
        summary.put("warnings", result.warnings());
        append(out, Json.compact(summary) + "\n");
    }

    private static Map<String, Object> header(AnalysisResult result) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("input", result.input());
        header.put("format", result.format());
        header.put("threshold", result.plan().threshold());
        return header;
    }

    private static Map<String, Object> site(AnalysisResult result, SitePrediction p) {
        AllocationSite s = p.site();
        SourceFile source = sourceOf(result, s);
        Map<String, Object> site = new LinkedHashMap<>();
        site.put("file", source.file());
        site.put("entry", source.entry().isEmpty() ? null : source.entry());
        switch (s.location()) {
            case JvmSiteLocation j -> {
                site.put("class", j.className());
                site.put("method", j.methodName());
                site.put("descriptor", j.methodDescriptor());
                site.put("bci", j.bci());
                site.put("line", j.line());
            }
            case ElfSiteLocation e -> {
                site.put("address", hex(e.address()));
                site.put("returnAddress", e.returnAddress() == 0 ? null : hex(e.returnAddress()));
                site.put("function", e.function());
            }
        }
        site.put("callee", s.callee());
        site.put("wrappers", s.wrapperChain());
        site.put("sizes", s.sizes().isKnown() ? Arrays.stream(s.sizes().values()).boxed().toList() : null);
        site.put("loopDepth", s.loopDepth());
        site.put("reliability", s.reliability());
        site.put("blockSize", p.blockSize());
        site.put("confidence", p.confidence());
        site.put("routed", p.routed());
        site.put("notRoutedReason", p.routed() ? null : p.notRoutedReason());
        site.put("note", s.note());
        return site;
    }

    private static Map<String, Object> plan(AllocationPlan plan) {
        List<Object> classes = new ArrayList<>();
        for (ClassDemand d : plan.classes()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("blockSize", d.blockSize());
            c.put("exact", d.exact());
            c.put("demand", d.demand());
            c.put("confidence", d.confidence());
            c.put("sites", d.sites());
            classes.add(c);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("exactSizes", Arrays.stream(plan.exactSizes()).boxed().toList());
        out.put("classes", classes);
        return out;
    }

    /**
     * One row per site. ELF sites: the call's and the return's ELF virtual addresses in hex and the enclosing
     * function (a tail call has no return address of its own: the column is empty). JVM sites: class, method and
     * bci as the location, the method as the function. The last columns: why a site is not routed, and its file
     * and JAR entry.
     */
    public static void csv(AnalysisResult result, Appendable out) {
        line(out, "location,return_address,function,callee,wrappers,sizes,block_size,confidence,loop_depth,routed,"
                + "not_routed_reason,file,entry");
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
            SourceFile source = sourceOf(result, s);
            line(out, "%s,%s,%s,%s,%s,%s,%d,%s,%d,%s,%s,%s,%s", csvField(location), returnAddress,
                    csvField(function), csvField(s.callee()), csvField(String.join(" > ", s.wrapperChain())),
                    csvField(s.sizes().toString()), p.blockSize(), String.format(Locale.ROOT, "%.4f", p.confidence()),
                    s.loopDepth(), p.routed(), csvField(p.notRoutedReason()), csvField(source.file()),
                    csvField(source.entry()));
        }
    }

    /** The file a site is in: a JVM site knows its class file or JAR entry; an ELF site is in the analysed binary. */
    private static SourceFile sourceOf(AnalysisResult result, AllocationSite site) {
        return switch (site.location()) {
            case JvmSiteLocation j -> j.source();
            case ElfSiteLocation e -> SourceFile.of(result.input());
        };
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
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
