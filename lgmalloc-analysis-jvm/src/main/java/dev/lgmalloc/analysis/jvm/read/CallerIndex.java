package dev.lgmalloc.analysis.jvm.read;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

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

    /** Bloom filter words per class: 2,048 bits, so a class with 300 references answers "maybe" for 14%. */
    private static final int BLOOM_WORDS = 32;

    /** Classes scanned with one buffer: enough to make its allocation nothing, few enough to share the cores. */
    private static final int BATCH = 256;

    private final String[] names;
    private final long[][] keys;
    // One Bloom filter per class, all in one array: a lookup that misses (most) costs one load, not a search.
    private final long[] blooms;
    private final List<String> unreadable;

    private CallerIndex(String[] names, long[][] keys, List<String> unreadable) {
        this.names = names;
        this.keys = keys;
        this.unreadable = List.copyOf(unreadable);
        this.blooms = new long[names.length * BLOOM_WORDS];
        for (int c = 0; c < names.length; c++) {
            for (long k : keys[c]) {
                blooms[c * BLOOM_WORDS + word(k)] |= bit(k);
            }
        }
    }

    // Keys are well-mixed hashes: their top bits choose the filter bit.
    private static int word(long key) {
        return (int) (key >>> 59);
    }

    private static long bit(long key) {
        return 1L << (key >>> 53);
    }

    /** Indexes every class of {@code contents}; classes whose constant pool cannot be read are listed apart. */
    public static CallerIndex of(ClassPathContents contents) {
        ClassSource[] sources = contents.classes().toArray(ClassSource[]::new);
        long[][] scanned = new long[sources.length][];
        // Each class is scanned on its own: batches in parallel on several cores, each with its own buffer, the
        // results collected in classpath order.
        int batches = (sources.length + BATCH - 1) / BATCH;
        IntStream.range(0, batches).parallel().forEach(b -> scanBatch(sources, b * BATCH, scanned));
        List<String> names = new ArrayList<>();
        List<long[]> keys = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (int i = 0; i < sources.length; i++) {
            if (scanned[i] == null) {
                unreadable.add(sources[i].internalName());
            } else {
                keys.add(scanned[i]);
                names.add(sources[i].internalName());
            }
        }
        return new CallerIndex(names.toArray(String[]::new), keys.toArray(long[][]::new), unreadable);
    }

    private static void scanBatch(ClassSource[] sources, int from, long[][] scanned) {
        ScanBuffer buffer = new ScanBuffer();
        for (int i = from, end = Math.min(from + BATCH, sources.length); i < end; i++) {
            scanned[i] = scanOrNull(sources[i].content(), buffer);
        }
    }

    private static long[] scanOrNull(ClassBytes content, ScanBuffer buffer) {
        try {
            content.lendTo(buffer);
            return MethodRefKeys.scan(buffer.bytes(), buffer.length(), buffer);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
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
            int base = c * BLOOM_WORDS;
            for (long w : wanted) {
                if ((blooms[base + word(w)] & bit(w)) != 0 && Arrays.binarySearch(keys[c], w) >= 0) {
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
