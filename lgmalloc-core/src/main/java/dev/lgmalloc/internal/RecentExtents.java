package dev.lgmalloc.internal;

/**
 * The extent blocks one thread freed last, newest first: where its next extent allocations look before first fit.
 * First fit alone handed out the lowest free units of the pages, memory long out of the CPU's caches, where the
 * block just freed is still in them; size classes had that for free, since a class's free list is LIFO. Entries
 * are hints: each is checked under its page's lock when taken, so a stale one (its units taken by another
 * thread, its page released) only costs a look. Owner only.
 */
final class RecentExtents {

    private static final int CAPACITY = 8;            // a power of two: a ring

    private final Page[] pages = new Page[CAPACITY];
    private final int[] firstUnits = new int[CAPACITY];
    private final int[] unitCounts = new int[CAPACITY];   // 0: an empty entry
    private int newest;

    /** Remembers the freed block at {@code address} of {@code page}, {@code units} units long, over the oldest. */
    void add(Page page, long address, int units) {
        int i = (newest + 1) & (CAPACITY - 1);
        pages[i] = page;
        firstUnits[i] = (int) ((address - page.start) >>> Units.UNIT_SHIFT);
        unitCounts[i] = units;
        newest = i;
    }

    /**
     * A block of {@code units} units for class {@code sizeClass} in the newest remembered run that holds it, or
     * 0. A longer run keeps its rest remembered; a stale one is forgotten.
     */
    long take(int units, int sizeClass) {
        for (int k = 0; k < CAPACITY; k++) {
            int i = (newest - k) & (CAPACITY - 1);
            if (unitCounts[i] >= units) {
                Page page = pages[i];
                long block = page.units.allocateAt(page, firstUnits[i], units, sizeClass);
                if (block != 0) {
                    firstUnits[i] += units;
                    unitCounts[i] -= units;
                    return block;
                }
                unitCounts[i] = 0;
            }
        }
        return 0;
    }
}
