package dev.lgmalloc.analysis.jvm.interp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The static fields of a class that are tracked while its {@code <clinit>} is interpreted. */
public final class OwnStatics {

    private final List<String> fields;
    private final List<Value> initialValues;
    private final boolean[] unchangedByCalls;
    private final Map<String, Integer> index = new HashMap<>();

    /**
     * @param fields           the fields, as {@code name:descriptor}
     * @param initialValues    each field's value before {@code <clinit>} runs (ConstantValue or the default)
     * @param unchangedByCalls per field, whether no method called from {@code <clinit>} can assign it (a final
     *                         field of a class file recent enough that only {@code <clinit>} may assign it)
     */
    public OwnStatics(List<String> fields, List<Value> initialValues, boolean[] unchangedByCalls) {
        if (initialValues.size() != fields.size() || unchangedByCalls.length != fields.size()) {
            throw new IllegalArgumentException("one initial value and flag per field");
        }
        this.fields = List.copyOf(fields);
        this.initialValues = List.copyOf(initialValues);
        this.unchangedByCalls = unchangedByCalls.clone();
        for (int i = 0; i < this.fields.size(); i++) {
            index.put(this.fields.get(i), i);
        }
    }

    /** Index of {@code name:descriptor}, or -1 when not tracked. */
    public int indexOf(String name, String descriptor) {
        return index.getOrDefault(name + ":" + descriptor, -1);
    }

    public int size() {
        return fields.size();
    }

    public String field(int i) {
        return fields.get(i);
    }

    Value initialValue(int i) {
        return initialValues.get(i);
    }

    boolean unchangedByCalls(int i) {
        return unchangedByCalls[i];
    }
}
