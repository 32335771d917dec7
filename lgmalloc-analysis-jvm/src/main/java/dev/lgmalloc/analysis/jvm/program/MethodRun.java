package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.MethodObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What one interpretation of a method found: its allocation sites and its other calls. */
final class MethodRun implements MethodObserver {

    /** An invoke of an allocation entry point. */
    record SiteEvent(InvokeEvent event, EntryPoint entryPoint) {
    }

    private final List<SiteEvent> sites = new ArrayList<>();
    private final List<InvokeEvent> calls = new ArrayList<>();
    private String failure;

    @Override
    public void invoke(InvokeEvent event) {
        Optional<EntryPoint> ep = EntryPoints.find(event.owner(), event.name(), event.descriptor());
        if (ep.isPresent()) {
            sites.add(new SiteEvent(event, ep.get()));
        } else if (event.reachable() && !event.instruction().typeSymbol().parameterList().isEmpty()) {
            calls.add(event);
        }
    }

    /** Marks the run as failed: the sites found so far are replaced by a plain scan's. */
    void fail(String reason, List<SiteEvent> scannedSites) {
        failure = reason;
        sites.clear();
        sites.addAll(scannedSites);
        calls.clear();
    }

    List<SiteEvent> sites() {
        return sites;
    }

    /** Reachable calls with at least one argument, to methods that are not entry points. */
    List<InvokeEvent> calls() {
        return calls;
    }

    /** Why the method could not be interpreted, or null. */
    String failure() {
        return failure;
    }
}
