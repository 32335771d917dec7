package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The layouts a reference may be: one, or a few when paths that chose different layouts meet (a struct picked
 * by the operating system, say). Empty when the reference can only be null there: every way of getting a size
 * out of a null layout throws, so null adds no size to a join and is the bottom of this lattice.
 *
 * @param layouts distinct layouts, at most {@link #MAX_SIZE}
 */
public record LayoutChoices(List<MemoryLayout> layouts) {

    /** The most layouts a known set holds, as for constants. */
    public static final int MAX_SIZE = ConstantSet.MAX_SIZE;

    private static final LayoutChoices NULL = new LayoutChoices(List.of());

    public LayoutChoices {
        layouts = List.copyOf(layouts);
        if (layouts.size() > MAX_SIZE) {
            throw new IllegalArgumentException("more than " + MAX_SIZE + " layouts");
        }
    }

    /** One layout. */
    public static LayoutChoices of(MemoryLayout layout) {
        return new LayoutChoices(List.of(layout));
    }

    /** A reference that can only be null. */
    public static LayoutChoices onlyNull() {
        return NULL;
    }

    /** Whether the reference can only be null. */
    public boolean isNull() {
        return layouts.isEmpty();
    }

    /** The layout when there is exactly one, else null. */
    public MemoryLayout single() {
        return layouts.size() == 1 ? layouts.getFirst() : null;
    }

    /** Both sets together, or null (unknown) when that is more than {@link #MAX_SIZE} layouts. */
    public LayoutChoices union(LayoutChoices other) {
        if (other.layouts.isEmpty() || other.equals(this)) {
            return this;
        }
        List<MemoryLayout> out = new ArrayList<>(layouts);
        for (MemoryLayout l : other.layouts) {
            if (!out.contains(l)) {
                out.add(l);
            }
        }
        return out.size() > MAX_SIZE ? null : new LayoutChoices(out);
    }

    /** The sizes of the layouts; unknown when the reference can only be null. */
    public ConstantSet byteSizes() {
        long[] sizes = new long[layouts.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = layouts.get(i).byteSize();
        }
        return ConstantSet.of(sizes);
    }

    @Override
    public String toString() {
        return layouts.isEmpty() ? "null" : layouts.size() == 1 ? layouts.getFirst().toString() : layouts.toString();
    }
}
