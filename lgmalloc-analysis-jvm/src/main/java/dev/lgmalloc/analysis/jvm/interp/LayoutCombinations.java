package dev.lgmalloc.analysis.jvm.interp;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The ways to pick one layout for every argument of a layout call whose arguments (or the elements of a tracked
 * array argument) may be one of a few layouts: the call is evaluated once per pick and the results joined.
 */
final class LayoutCombinations {

    /** More picks than this and the call's result is left unknown: the join would widen anyway. */
    static final int MAX = 64;

    private LayoutCombinations() {
    }

    /**
     * Every pick, each the arguments with single layouts; empty when some layout argument can only be null (the
     * call throws); null when there are more than {@link #MAX}.
     */
    static List<Value[]> of(Value[] args) {
        List<Value[]> picks = new ArrayList<>();
        picks.add(args.clone());
        for (int i = 0; i < args.length; i++) {
            List<Value> choices = choices(args[i]);
            if (choices == null) {
                continue;
            }
            List<Value[]> next = new ArrayList<>();
            for (Value[] pick : picks) {
                for (Value choice : choices) {
                    Value[] p = pick.clone();
                    p[i] = choice;
                    next.add(p);
                }
            }
            if (next.size() > MAX) {
                return null;
            }
            picks = next;
        }
        return picks;
    }

    /** Whether an element is a choice among layouts not made yet (a loop: no lambda in a cold agent). */
    private static boolean anyUnchosenLayout(List<Value> elements) {
        for (Value e : elements) {
            if (e.layouts() != null && e.layout() == null) {
                return true;
            }
        }
        return false;
    }

    /** The single-layout values {@code v} may be, or null when it is not a choice of layouts. */
    private static List<Value> choices(Value v) {
        if (v.layouts() != null && v.layout() == null) {
            List<Value> out = new ArrayList<>();
            for (MemoryLayout l : v.layouts().layouts()) {
                out.add(v.withLayouts(LayoutChoices.of(l)));
            }
            return out;
        }
        if (v.array() != null && anyUnchosenLayout(v.array().elements())) {
            List<Value[]> elementPicks = of(v.array().elements().toArray(new Value[0]));
            if (elementPicks == null || elementPicks.size() > MAX) {
                return List.of(v.forget());
            }
            List<Value> out = new ArrayList<>();
            for (Value[] elements : elementPicks) {
                out.add(v.withArray(new TrackedArray(v.array().id(), List.of(elements))));
            }
            return out;
        }
        return null;
    }
}
