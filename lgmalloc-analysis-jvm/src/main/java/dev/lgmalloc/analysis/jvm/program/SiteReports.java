package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.jvm.AllocationApi;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.FoundSite;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.util.List;

/** Turns what the interpreter saw at an allocation call into the shared model's site. */
public final class SiteReports {

    private SiteReports() {
    }

    /** The site for {@code finding}. */
    public static FoundSite toSite(ProgramAnalysis.SiteFinding finding) {
        EntryPoint ep = finding.entryPoint();
        JvmSiteLocation location = new JvmSiteLocation(finding.className(),
                finding.method().methodName().stringValue(), finding.method().methodType().stringValue(),
                finding.event().bci(), finding.event().line());
        AllocationApi api = apiOf(finding);
        Value size = finding.failure() == null && finding.event().reachable()
                ? SiteSizes.sizeOf(finding.event(), ep) : Value.unknown(dev.lgmalloc.analysis.jvm.interp.Kind.LONG);
        SizeSet sizes = size.hasConstants() ? SizeSet.of(size.constants()) : SizeSet.unknown();
        double reliability = sizes.isKnown() ? size.reliability() : 0;
        String note = note(finding, size, sizes);
        if (api == AllocationApi.JDK && EntryPoints.servedTransparently(ep)) {
            note = "JDK API, served by lgmalloc in transparent mode; " + note;
        } else if (api == AllocationApi.JDK) {
            note = "JDK API, reported only; " + note;
        } else if (ep.api() == AllocationApi.JDK) {
            note = "receiver is an LgArena; " + note;
        }
        AllocationSite site = new AllocationSite(location, ep.callee(), List.of(), sizes, reliability,
                finding.event().loopDepth(), note);
        return new FoundSite(site, ep, api);
    }

    /** lgmalloc's entry points, and JDK arena calls whose receiver is known to be an {@code LgArena}. */
    private static AllocationApi apiOf(ProgramAnalysis.SiteFinding finding) {
        if (finding.entryPoint().api() == AllocationApi.LGMALLOC) {
            return AllocationApi.LGMALLOC;
        }
        List<Value> args = finding.event().arguments();
        boolean instanceCall = finding.event().instruction().opcode() != java.lang.classfile.Opcode.INVOKESTATIC;
        if (instanceCall && !args.isEmpty() && args.getFirst().refType() != null
                && EntryPoints.isLgmallocAllocatorType(args.getFirst().refType())) {
            return AllocationApi.LGMALLOC;
        }
        return AllocationApi.JDK;
    }

    private static String note(ProgramAnalysis.SiteFinding finding, Value size, SizeSet sizes) {
        if (finding.failure() != null) {
            return "method not interpreted: " + finding.failure();
        }
        if (!finding.event().reachable()) {
            return "unreachable";
        }
        if (sizes.isKnown()) {
            String what = sizes.isConstant() ? "constant" : "one of " + sizes.values().length + " constants";
            return size.deps() != 0 ? what + " from the arguments of all callers" : what;
        }
        if (size.hasConstants()) {
            return "a negative size: the call fails";
        }
        if (size.deps() != 0 && finding.methodOpen()) {
            return "depends on parameters of a public entry point: code outside the class path may call it"
                    + " (open world)";
        }
        if (size.deps() != 0) {
            return finding.methodClosed()
                    ? "depends on parameters whose callers pass no constant (or are not all known)"
                    : "depends on parameters of a method that can be overridden or called from unseen code";
        }
        return "not a constant: a field, call result, loop-carried or too varied value";
    }
}
