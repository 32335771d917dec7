package dev.lgmalloc.internal;

/**
 * The free runs of an extent page's units, indexed by length, so that a run long enough for a request is found in
 * a few steps however fragmented the page is (a scan of the page's bitmap walked every used and free run before the
 * one that fit: in a probe with 256-byte units, a third of glibc-thread's samples were in it). Each run sits in the
 * bin of its length, bins growing by a quarter (exact below 16 units), and a mask says which bins hold runs, as in
 * TLSF (Masmano et al., 2004). A bin is a bitmap of its runs' first units, not a list: its lowest run is the first
 * set bit of a few words, and adding or removing a run writes one word. A run is taken from the lowest bin all of
 * whose runs fit, else from the request's own bin if a run there fits; within a bin, the lowest in the page.
 *
 * <p>The page's {@code used} bitmap stays the truth; this index holds exactly its maximal runs of clear bits.
 * Nothing here lives in the blocks: a write after free cannot corrupt it. Guarded by the {@link Units}' lock.
 */
final class FreeRuns {

    private static final int EXACT = 16;

    private final int count;
    private final short[] lengths;       // at a run's first unit: its length
    private final short[] firsts;        // at a run's last unit: its first unit
    /** Per bin, a {@link Bitmap} of {@link #count} bits: bit u set when a run of the bin starts at unit u. */
    private final long[][] starts;
    private long occupied;               // bit b set when bin b holds a run
    /** The longest run's length, 0 when none; stale while {@link #longestTaken} until {@link #settle}. */
    private int longest;
    private boolean longestTaken;

    /** An index of {@code count} units (at most {@link Short#MAX_VALUE}, a multiple of 64), all free. */
    FreeRuns(int count) {
        if (count <= 0 || count > Short.MAX_VALUE || (count & 63) != 0) {
            throw new IllegalArgumentException("units must be a positive multiple of 64 below 32,768: " + count);
        }
        this.count = count;
        this.lengths = new short[count];
        this.firsts = new short[count];
        this.starts = new long[binOf(count) + 1][count >>> 6];
        add(0, count);
    }

    /** The bin of runs of {@code length} units: exact below 16, then four bins per doubling. */
    static int binOf(int length) {
        if (length < EXACT) {
            return length;
        }
        int log = 31 - Integer.numberOfLeadingZeros(length);
        return EXACT + ((log - 4) << 2) + ((length >>> (log - 2)) & 3);
    }

    /** The shortest run bin {@code bin} holds. */
    static int shortestIn(int bin) {
        if (bin < EXACT) {
            return bin;
        }
        int log = ((bin - EXACT) >>> 2) + 4;
        return (4 + ((bin - EXACT) & 3)) << (log - 2);
    }

    /**
     * Whether a run of {@code units} units is free. Read without the page's lock, it is a hint that spares locking
     * a page that cannot serve.
     */
    boolean mayFit(int units) {
        return longest >= units;
    }

    /** The highest bin that holds a run, -1 when none does. */
    int highestBin() {
        return 63 - Long.numberOfLeadingZeros(occupied);
    }

    /**
     * Takes the first {@code units} units of a free run of at least that many, and returns that run's first
     * unit; -1 when no run is long enough.
     */
    int take(int units) {
        if (units > count) {
            return -1;                  // its bin would lie past the last one
        }
        int bin = binOf(units);
        int fitting = shortestIn(bin) < units ? bin + 1 : bin;     // every run of this bin and above fits
        long candidates = fitting < 64 ? occupied & (-1L << fitting) : 0;
        int first = candidates != 0 ? lowest(Long.numberOfTrailingZeros(candidates)) : fitIn(bin, units);
        if (first < 0) {
            return -1;
        }
        int length = lengths[first];
        remove(first);
        if (length > units) {
            add(first + units, length - units);
        }
        settle();
        return first;
    }

    /**
     * The lowest run in the page of bin {@code bin}, which holds one: low runs taken first leave the page's high free
     * units untouched long enough to be purged (glibc-thread's most resident sample 15.4 -> 14.0-14.3 MiB against the
     * most recently freed run). A bin's runs are a bitmap by first unit, so the lowest is a scan of its few words,
     * where a list per bin had to walk its runs (bounded at 16) to find it.
     */
    private int lowest(int bin) {
        int run = Bitmap.nextSet(starts[bin], 0, count);
        if (run == count) {
            throw new IllegalStateException("bin " + bin + " is marked occupied but holds no run");
        }
        return run;
    }

    /**
     * The lowest run of bin {@code bin} of at least {@code units} units, or -1. Only a bin of 16 units or more can
     * hold runs too short, and it holds at most {@code count / 16} runs.
     */
    private int fitIn(int bin, int units) {
        long[] runs = starts[bin];
        for (int run = Bitmap.nextSet(runs, 0, count); run < count; run = Bitmap.nextSet(runs, run + 1, count)) {
            if (lengths[run] >= units) {
                return run;
            }
        }
        return -1;
    }

    /** Takes {@code units} units from {@code first} on, inside the free run that starts at {@code runFirst}. */
    void takeAt(int runFirst, int first, int units) {
        int runEnd = runFirst + lengths[runFirst];
        remove(runFirst);
        if (first > runFirst) {
            add(runFirst, first - runFirst);
        }
        if (first + units < runEnd) {
            add(first + units, runEnd - first - units);
        }
        settle();
    }

    /**
     * Gives back {@code units} units from {@code first} on, merged with the free runs right before and after them
     * when the caller says there are such ({@code freeBefore}, {@code freeAfter}: the neighbouring units are free).
     */
    void giveBack(int first, int units, boolean freeBefore, boolean freeAfter) {
        int start = first;
        int end = first + units;
        if (freeBefore) {
            start = firsts[first - 1];
            remove(start);
        }
        if (freeAfter) {
            int after = end;
            end = after + lengths[after];
            remove(after);
        }
        add(start, end - start);
        settle();
    }

    /** Indexes anew the runs of clear bits in {@code used} (after the purge changed many at once). */
    void rebuild(long[] used) {
        clear();
        for (int first = Bitmap.nextClear(used, 0, count); first < count; ) {
            int end = Bitmap.nextSet(used, first, count);
            add(first, end - first);
            first = Bitmap.nextClear(used, end, count);
        }
    }

    /**
     * The length of the longest free run, 0 when none. Kept exact, not read from the bins, which hold four lengths
     * each from 16 units: a page whose runs lie in a request's bin but are shorter than it is passed over without
     * its lock ({@link ExtentPages}).
     */
    int longest() {
        return longest;
    }

    /** Finds the longest run again when the one that was has been taken: it lies in the highest bin. */
    private void settle() {
        if (!longestTaken) {
            return;
        }
        longestTaken = false;
        int top = highestBin();
        int found = top < EXACT ? Math.max(top, 0) : 0;    // an exact bin's runs are all as long as its number
        if (top >= EXACT) {
            long[] runs = starts[top];                          // at most count / 16 runs
            for (int run = Bitmap.nextSet(runs, 0, count); run < count; run = Bitmap.nextSet(runs, run + 1, count)) {
                found = Math.max(found, lengths[run]);
            }
        }
        longest = found;
    }

    private void clear() {
        for (long[] runs : starts) {
            java.util.Arrays.fill(runs, 0);
        }
        occupied = 0;
        longest = 0;
        longestTaken = false;
    }

    private void add(int first, int length) {
        int bin = binOf(length);
        lengths[first] = (short) length;
        firsts[first + length - 1] = (short) first;
        Bitmap.set(starts[bin], first);
        occupied |= 1L << bin;
        longest = Math.max(longest, length);
    }

    private void remove(int first) {
        int bin = binOf(lengths[first]);
        longestTaken |= lengths[first] == longest;
        Bitmap.clear(starts[bin], first);
        if (!Bitmap.anySet(starts[bin], 0, count)) {
            occupied &= ~(1L << bin);
        }
    }
}
