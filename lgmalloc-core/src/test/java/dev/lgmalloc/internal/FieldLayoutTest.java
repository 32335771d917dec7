package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The fields one thread writes on its fast paths and the fields other threads touch on theirs never share a 64-byte
 * cache line, however the object is aligned ({@link PageLayout}, {@link HeapLayout}). The padding classes alone did
 * not ensure it: HotSpot put the page's {@code used} count into the header's hole beside {@code threadFree}. The
 * offsets come from {@code sun.misc.Unsafe}, the only place the JDK tells them.
 */
class FieldLayoutTest {

    private static final int LINE = 64;

    @Test
    void aPageKeepsTheRemoteWordTheOwnersFieldsAndTheFreersFieldsOnLinesOfTheirOwn() throws Exception {
        List<Field> remoteWord = fields(Page.class, "threadFree");
        List<Field> owner = fields(Page.class, "free", "linkMask", "used", "inFullList", "prev", "next");
        List<Field> readByFreers = fields(Page.class, "start", "end", "alignMask", "divMagic", "blockSize",
                "sizeClass", "bump", "state", "full", "heap", "units", "segment", "large");
        assertApart(Page.class, remoteWord, owner);
        assertApart(Page.class, owner, readByFreers);
        assertApart(Page.class, remoteWord, readByFreers);
    }

    @Test
    void whatAFreeReadsOfAPageFitsInSixtyFourBytesAndSoDoesWhatAMallocReads() throws Exception {
        // One line or two, depending on where the object starts; the page's other fields had made a free read three.
        assertWithinOneLine(fields(Page.class, "start", "alignMask", "divMagic", "blockSize", "sizeClass", "units",
                "large", "heap", "bump", "state"));
        assertWithinOneLine(fields(Page.class, "free", "linkMask", "used"));
    }

    private static void assertWithinOneLine(List<Field> group) throws Exception {
        long first = Long.MAX_VALUE;
        long end = 0;
        for (Field f : group) {
            first = Math.min(first, offset(f));
            end = Math.max(end, offset(f) + size(f));
        }
        assertThat(end - first).as("bytes spanned by %s (offsets %s)", names(group), offsets(group, List.of()))
                .isLessThanOrEqualTo(LINE);
    }

    @Test
    void aHeapKeepsWhatFreeingThreadsReadApartFromWhatItsOwnerWrites() throws Exception {
        List<Field> readByFreers = fields(Heap.class, "engine", "owner", "striped", "ofCarrier");
        // Every field Heap declares: what the owner writes (its lists, counters, the virtual threads' busy flag) is
        // there, and a hand-picked list had missed the small ones HotSpot moved into the holes beside the owner.
        List<Field> owner = new ArrayList<>();
        for (Field f : Heap.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                owner.add(f);
            }
        }
        assertApart(Heap.class, readByFreers, owner);
    }

    /** Asserts that, at every 8-byte alignment of the object, no cache line holds a byte of both field groups. */
    private static void assertApart(Class<?> c, List<Field> a, List<Field> b) throws Exception {
        for (long base = 0; base < LINE; base += 8) {
            Set<Long> linesOfA = lines(a, base);
            Set<Long> linesOfB = lines(b, base);
            linesOfA.retainAll(linesOfB);
            assertThat(linesOfA).as("%s: %s and %s share a cache line when the object starts %d bytes into one "
                    + "(offsets %s)", c.getSimpleName(), names(a), names(b), base, offsets(a, b)).isEmpty();
        }
    }

    private static Set<Long> lines(List<Field> fields, long base) throws Exception {
        Set<Long> lines = new TreeSet<>();
        for (Field f : fields) {
            long first = base + offset(f);
            long last = first + size(f) - 1;
            for (long line = first / LINE; line <= last / LINE; line++) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static List<Field> fields(Class<?> c, String... names) throws NoSuchFieldException {
        List<Field> found = new ArrayList<>();
        for (String name : names) {
            found.add(field(c, name));
        }
        return found;
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (f.getName().equals(name) && !Modifier.isStatic(f.getModifiers())) {
                    return f;
                }
            }
        }
        throw new NoSuchFieldException(c.getName() + "." + name);
    }

    private static long size(Field f) throws Exception {
        Class<?> t = f.getType();
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class) {
            return 4;
        }
        if (t == short.class || t == char.class) {
            return 2;
        }
        if (t == byte.class || t == boolean.class) {
            return 1;
        }
        // A reference: 4 bytes with compressed oops, else 8.
        return ((Number) UNSAFE.getClass().getMethod("arrayIndexScale", Class.class).invoke(UNSAFE, Object[].class))
                .longValue();
    }

    private static long offset(Field f) throws Exception {
        return (long) UNSAFE.getClass().getMethod("objectFieldOffset", Field.class).invoke(UNSAFE, f);
    }

    /** {@code sun.misc.Unsafe}, reached by reflection: this module does not read {@code jdk.unsupported}. */
    private static final Object UNSAFE = theUnsafe();

    private static Object theUnsafe() {
        try {
            Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static List<String> names(List<Field> fields) {
        return fields.stream().map(Field::getName).toList();
    }

    private static String offsets(List<Field> a, List<Field> b) throws Exception {
        List<String> all = new ArrayList<>();
        for (Field f : a) {
            all.add(offset(f) + ":" + f.getName());
        }
        for (Field f : b) {
            all.add(offset(f) + ":" + f.getName());
        }
        return all.toString();
    }
}
