package dev.lgmalloc.analysis.jvm.read;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which classes of a classpath refer to a method of a given name and descriptor, or owner, name and
 * descriptor (by method ref or method handle). Built with one pass over every class's constant pool, read
 * from the raw bytes ({@link MethodRefKeys}): parsing each class with the ClassFile API and building a string
 * per reference cost more than the rest of a whole-classpath analysis.
 *
 * <p>The answer may, with odds of about 2^-64 per reference pair, include a class that does not refer to the
 * method (keys are hashes); callers inspect the code of the classes found, so an extra class costs only time.
 */
public final class CallerIndex {

    private final String[] names;
    private final long[][] keys;
    private final List<String> unreadable;

    private CallerIndex(String[] names, long[][] keys, List<String> unreadable) {
        this.names = names;
        this.keys = keys;
        this.unreadable = List.copyOf(unreadable);
    }

    /** Indexes every class of {@code contents}; classes whose constant pool cannot be read are listed apart. */
    public static CallerIndex of(ClassPathContents contents) {
        List<String> names = new ArrayList<>();
        List<long[]> keys = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (ClassSource source : contents.classes()) {
            try {
                keys.add(MethodRefKeys.scan(source.bytes()));
                names.add(source.internalName());
            } catch (IllegalArgumentException malformed) {
                unreadable.add(source.internalName());
            }
        }
        return new CallerIndex(names.toArray(String[]::new), keys.toArray(long[][]::new), unreadable);
    }

    /**
     * The classes whose constant pool refers to one of the methods, each given as {@code name + descriptor}
     * (any owner) or {@code owner.name + descriptor} (that owner only).
     */
    public Set<String> classesReferring(Set<String> namesAndTypes) {
        long[] wanted = new long[namesAndTypes.size()];
        int n = 0;
        for (String nt : namesAndTypes) {
            wanted[n++] = MethodRefKeys.of(nt);
        }
        Set<String> out = new LinkedHashSet<>();
        for (int c = 0; c < names.length; c++) {
            for (long w : wanted) {
                if (Arrays.binarySearch(keys[c], w) >= 0) {
                    out.add(names[c]);
                    break;
                }
            }
        }
        return out;
    }

    /** Classes whose constant pool could not be read, so they are never found as callers. */
    public List<String> unreadable() {
        return unreadable;
    }
}
