package dev.lgmalloc.elf.sites;

import java.util.Arrays;

/** A growable list of ints that ignores an immediate repeat (callers are recorded function by function). */
final class IntList {

    private int[] values = new int[2];
    private int size;

    void addUnlessLast(int v) {
        if (size > 0 && values[size - 1] == v) {
            return;
        }
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
