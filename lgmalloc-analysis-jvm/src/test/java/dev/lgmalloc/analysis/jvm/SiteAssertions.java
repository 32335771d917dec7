package dev.lgmalloc.analysis.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.SizeSet;
import java.util.List;

/** Finds sites by method in analysis results, failing clearly when a site is missing or ambiguous. */
final class SiteAssertions {

    private SiteAssertions() {
    }

    /** The only site in {@code method} (any descriptor). */
    static FoundSite only(List<FoundSite> sites, String method) {
        List<FoundSite> in = all(sites, method);
        assertThat(in).as("sites in %s", method).hasSize(1);
        return in.getFirst();
    }

    /** The sites in {@code method}, by bytecode index. */
    static List<FoundSite> all(List<FoundSite> sites, String method) {
        return sites.stream().filter(s -> s.location().methodName().equals(method)).toList();
    }

    static SizeSet sizes(long... values) {
        return SizeSet.of(values);
    }
}
