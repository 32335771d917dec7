package dev.lgmalloc.elf.sites;

import dev.lgmalloc.analysis.value.ConstantSet;
import dev.lgmalloc.elf.dataflow.SizeExpression;
import dev.lgmalloc.elf.dataflow.SizeExpression.Derived;
import dev.lgmalloc.elf.dataflow.SizeExpression.Known;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decides whether a function is a wrapper, from the entry-point calls its dataflow saw. A call forwards a size
 * when the size depends on the function's arguments, or when it is a tail call (its return address is the
 * caller's). A forwarding call whose size is at most 1 whatever the arguments ({@code calloc(0, s)},
 * {@code malloc(1)} or {@code xmalloc(0)} by tail call) is a fallback: the zero-size retry idiom of
 * {@code xmalloc}, {@code xcalloc} and {@code xrealloc}. The other forwarding calls are the main path; they must
 * agree on the size, which then is the wrapper's, with the first one's allocator. Fallbacks that disagree with
 * the main path, and main paths through another allocator, lower the wrapper's reliability. Calls with constant sizes that are not tail calls are the function's own sites,
 * predicted where they are, and do not decide anything.
 */
final class WrapperRule {

    /**
     * Reliability kept when a fallback path requests another size. Not measured: a judgement that such paths
     * (after a failed or zero-size request) are rare, chosen so that one level of wrapping (0.95 × 0.95) still
     * reaches the default routing threshold of 0.9 and two levels do not.
     */
    static final double DISAGREEING_PATHS_RELIABILITY = 0.95;

    /** The main path of a wrapper: the callee's entry point, the size expression, the wrapper's reliability. */
    record MainPath(EntryPoint callee, SizeExpression size, double reliability) {
    }

    private WrapperRule() {
    }

    /** The function's main path if it is a wrapper, else null. */
    static MainPath decide(List<SiteFinder.Observation> calls) {
        List<SiteFinder.Observation> forwarding = new ArrayList<>();
        List<SizeExpression> sizes = new ArrayList<>();
        for (SiteFinder.Observation o : calls) {
            SizeExpression size = forwardedSize(o);
            if (size != null) {
                forwarding.add(o);
                sizes.add(size);
            }
        }
        int main = -1;
        for (int i = 0; i < forwarding.size() && main < 0; i++) {
            if (!isFallback(sizes.get(i))) {
                main = i;
            }
        }
        boolean onlyFallbacks = main < 0;
        if (onlyFallbacks) {
            if (forwarding.isEmpty()) {
                return null;
            }
            main = 0; // e.g. `return malloc(1)` by tail call: every path must then agree
        }
        EntryPoint callee = forwarding.get(main).entry();
        SizeExpression size = sizes.get(main);
        boolean disagreement = false;
        for (int i = 0; i < forwarding.size(); i++) {
            if (sizes.get(i).equals(size)) {
                // p ? realloc(p, n) : malloc(n): the size holds, the allocator named differs on one path
                disagreement |= !forwarding.get(i).entry().allocator().equals(callee.allocator());
                continue;
            }
            if (onlyFallbacks || !isFallback(sizes.get(i))) {
                return null; // two main paths with different sizes: no single prediction holds
            }
            disagreement = true;
        }
        double reliability = callee.reliability() * (disagreement ? DISAGREEING_PATHS_RELIABILITY : 1.0);
        return new MainPath(callee, size, reliability);
    }

    /** The size a call forwards to the function's callers, or null if it is the function's own site. */
    private static SizeExpression forwardedSize(SiteFinder.Observation o) {
        if (o.evaluation() instanceof Derived(SizeExpression e)) {
            return e;
        }
        if (o.tail() && o.evaluation() instanceof Known(long[] values)) {
            return new SizeExpression(List.of(new SizeExpression.Fixed(values)));
        }
        return null;
    }

    /** Whether the size is at most 1 whatever the arguments: a fixed set within {0, 1}, or a factor 0. */
    static boolean isFallback(SizeExpression size) {
        boolean allFixed = true;
        for (SizeExpression.Factor f : size.factors()) {
            if (f instanceof SizeExpression.Fixed(ConstantSet set)) {
                long[] values = set.values();
                if (Arrays.stream(values).allMatch(v -> v == 0)) {
                    return true;
                }
                allFixed &= Arrays.stream(values).allMatch(v -> v == 0 || v == 1);
            } else {
                allFixed = false;
            }
        }
        return allFixed;
    }
}
