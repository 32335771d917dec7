package dev.lgmalloc.analysis.jvm.interp;

import java.util.ArrayList;
import java.util.List;

/**
 * A reference array created in the analysed method whose elements are known, as {@code structLayout(...)}'s
 * varargs array is. The array is identified by the bytecode index of its {@code anewarray}.
 *
 * @param id       bytecode index of the {@code anewarray} that created it
 * @param elements the current element values
 */
public record TrackedArray(int id, List<Value> elements) {

    /** The longest array the analysis tracks. */
    public static final int MAX_LENGTH = 64;

    public TrackedArray {
        elements = List.copyOf(elements);
    }

    /** A copy with element {@code index} replaced. */
    public TrackedArray with(int index, Value value) {
        List<Value> copy = new ArrayList<>(elements);
        copy.set(index, value);
        return new TrackedArray(id, copy);
    }

    /** Element-wise join, or null when the two cannot be the same array. */
    public TrackedArray join(TrackedArray other) {
        if (other.id != id || other.elements.size() != elements.size()) {
            return null;
        }
        List<Value> joined = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            joined.add(Value.join(elements.get(i), other.elements.get(i)));
        }
        return new TrackedArray(id, joined);
    }
}
