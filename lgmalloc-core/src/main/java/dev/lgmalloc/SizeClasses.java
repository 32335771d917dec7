package dev.lgmalloc;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The size classes of small blocks: every request of at most {@link #maxSmallSize()} bytes is rounded up to
 * the block size of its class, and each page of the allocator holds blocks of one class.
 *
 * <p>The standard table has 16-byte steps up to 256 bytes, then 8 classes per doubling up to 128 KiB, so a
 * request above 128 bytes wastes at most 12.5% of its block. Every class size is a multiple of 16, which
 * gives every block the default 16-byte alignment. A predictor that knows a program asks for, say, 300 bytes
 * can add an exact class ({@link #withExactSizes}) so those requests get 304-byte blocks instead of 320.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class SizeClasses {

    /** Granularity and default alignment of every block, in bytes. */
    public static final int GRANULE = 16;

    /** The largest request served from size-class pages; larger requests get their own mapping. */
    public static final int MAX_SMALL_SIZE = 128 * 1024;

    /** The largest number of classes a table may hold, standard and exact ones together. */
    public static final int MAX_CLASSES = 255;

    private static final SizeClasses STANDARD = new SizeClasses(standardSizes(), new int[0]);

    private final int[] sizes;          // ascending block sizes
    private final int[] exactSizes;     // the sizes added on top of the standard table
    private final short[] byGranule;    // class index for each (size + 15) / 16

    private SizeClasses(int[] sizes, int[] exactSizes) {
        this.sizes = sizes;
        this.exactSizes = exactSizes;
        // A power of two, so that the fast path's index, masked with length - 1, needs no bounds check; the
        // granules past MAX_SMALL_SIZE are never looked up and keep the largest class.
        this.byGranule = new short[Integer.highestOneBit(MAX_SMALL_SIZE / GRANULE) * 2];
        int c = 0;
        for (int g = 0; g < byGranule.length; g++) {
            while (c < sizes.length - 1 && sizes[c] < g * GRANULE) {
                c++;
            }
            byGranule[g] = (short) c;
        }
    }

    /** The standard table, without exact classes. */
    public static SizeClasses standard() {
        return STANDARD;
    }

    /**
     * Returns a table with an exact class for each given size, rounded up to the 16-byte granule, added to
     * the standard classes. Sizes that already have a class of their own, and sizes above
     * {@link #maxSmallSize()}, add nothing.
     *
     * @throws IllegalArgumentException if a size is negative or the table would exceed {@link #MAX_CLASSES}
     */
    public static SizeClasses withExactSizes(long... requestSizes) {
        TreeSet<Integer> all = new TreeSet<>();
        for (int s : standardSizes()) {
            all.add(s);
        }
        TreeSet<Integer> added = new TreeSet<>();
        for (long size : requestSizes) {
            if (size < 0) {
                throw new IllegalArgumentException("exact size class must not be negative: " + size);
            }
            if (size == 0 || size > MAX_SMALL_SIZE) {
                continue;
            }
            int rounded = (int) ((size + GRANULE - 1) & -GRANULE);
            if (all.add(rounded)) {
                added.add(rounded);
            }
        }
        if (all.size() > MAX_CLASSES) {
            throw new IllegalArgumentException("too many size classes: " + all.size() + " (at most "
                    + MAX_CLASSES + "); ask for fewer exact sizes");
        }
        if (added.isEmpty()) {
            return STANDARD;
        }
        return new SizeClasses(toArray(all), toArray(added));
    }

    /** A loop, not a stream: the agent builds its table in premain, where each first lambda spins a class. */
    private static int[] toArray(TreeSet<Integer> sizes) {
        int[] out = new int[sizes.size()];
        int n = 0;
        for (int s : sizes) {
            out[n++] = s;
        }
        return out;
    }

    private static int[] standardSizes() {
        int[] out = new int[128];
        int n = 0;
        for (int s = GRANULE; s <= 256; s += GRANULE) {
            out[n++] = s;
        }
        for (int base = 256; base < MAX_SMALL_SIZE; base <<= 1) {
            int step = base >>> 3;
            for (int k = 1; k <= 8; k++) {
                out[n++] = base + k * step;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * The class index serving a request of {@code size} bytes, or -1 if the request is larger than
     * {@link #maxSmallSize()} (or negative). A request of 0 bytes is served by the smallest class.
     */
    public int classOf(long size) {
        if (size < 0 || size > MAX_SMALL_SIZE) {
            return -1;
        }
        return byGranule[(int) ((size + GRANULE - 1) >>> 4)];
    }

    /**
     * The class of each granule count, for {@link Allocator}'s fast path: a power of two long, indexed with
     * {@code & (length - 1)}, which C2 proves in bounds.
     */
    short[] granuleTable() {
        return byGranule;
    }

    /** The block size of class {@code sizeClass}. */
    public int blockSize(int sizeClass) {
        return sizes[sizeClass];
    }

    /** The number of classes. */
    public int count() {
        return sizes.length;
    }

    /** The largest small request, {@value #MAX_SMALL_SIZE} bytes. */
    public int maxSmallSize() {
        return MAX_SMALL_SIZE;
    }

    /** Whether class {@code sizeClass} was added as an exact class rather than coming from the standard table. */
    public boolean isExact(int sizeClass) {
        return Arrays.binarySearch(exactSizes, sizes[sizeClass]) >= 0;
    }

    /** The exact sizes this table adds to the standard one, ascending. */
    public int[] exactSizes() {
        return exactSizes.clone();
    }

    /** All block sizes, ascending. */
    public int[] blockSizes() {
        return sizes.clone();
    }

    @Override
    public String toString() {
        return "SizeClasses[" + sizes.length + " classes, exact=" + Arrays.toString(exactSizes) + "]";
    }
}
