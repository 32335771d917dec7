package dev.lgmalloc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A heap's extent pages in address order, as its first-fit walk reads them; each page's room, the longest free run
 * it has ({@link FreeRuns#longest}), side by side, so that the walk reads one array and not each page's index; and
 * where that walk may start for each request: per bin of run lengths ({@link FreeRuns#binOf}), a page index below
 * which no page may serve a request of that bin (none has a run of that bin or above, nor a remote list). Without
 * the starts the walk read every low page on every allocation the thread's cache missed: with 16,384 live blocks of
 * 8-32 KiB it visited about 580 pages per allocation (docs/BENCHMARKS.md, thirtieth session).
 *
 * <p>Rooms are written by whoever changes a page's runs, under the page's lock, and by the thread that starts its
 * remote list ({@link #REMOTE}); the walk reads them without any lock. A room read stale too high costs a lock
 * taken in vain (the allocation under it writes the room afresh); one too low hides a page from the walk, which is
 * why the walk looks at every page itself before it maps a fresh one.
 *
 * <p>The pages never change; a heap gets a new object, every start 0, when a page comes or goes (under
 * {@link Extents}' lock). The starts are hints, raised by the walk past the pages it found unable to serve and
 * lowered by whoever gives a page room in more bins ({@link #gainedRoom}). A page may gain room while the owner walks
 * (the maintenance pass's purge, another thread's remote free): such a change writes the room, counts itself in
 * {@link #lowerings} and only then reads the starts; a walk reads the count before it reads the rooms and again
 * after it raised a start, and takes the raise back when the count moved. Either the walk saw the new room, or it
 * sees the count move, or the change sees the raised start and lowers it. A change that finds the start at or below
 * its page writes no start: the thirtieth session's scheme, a CAS per bin on every free that lengthened a page's
 * longest run, took 7% of the time of a live set of 8-32 KiB blocks. Where a start or a room is wrong all the same
 * (read racily), the walk looks at every page itself before it maps a fresh page: a block placed higher than first
 * fit would, never more memory.
 */
final class ExtentPages {

    private static final int BINS = FreeRuns.binOf(Units.COUNT) + 1;
    /** The lowest bin an extent request falls in: none is shorter than {@link Extents#MIN_BLOCK}. */
    private static final int FIRST_BIN = FreeRuns.binOf(Units.unitsFor(Extents.MIN_BLOCK));
    private static final VarHandle STARTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LOWERINGS;

    static {
        try {
            LOWERINGS = MethodHandles.lookup().findVarHandle(ExtentPages.class, "lowerings", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The room of a page with a remote list: its blocks, taken in under the lock, may serve any request. */
    static final int REMOTE = Short.MAX_VALUE;

    /** A heap's set before its first page (after BINS, which its starts need). */
    static final ExtentPages NONE = new ExtentPages(new Page[0]);

    final Page[] pages;
    /** Per page: its room in units, or {@link #REMOTE}. */
    private final short[] rooms;
    /** Per bin: no page below this index may serve a request of the bin. */
    private final int[] starts = new int[BINS];
    /** Changes that gave a page room in more bins, so far (wraps around: only compared for equality). */
    private volatile int lowerings;

    /** Under {@link Extents}' lock, as every set but {@link #NONE}: the pages learn their places in it. */
    ExtentPages(Page[] pages) {
        this.pages = pages;
        this.rooms = new short[pages.length];
        for (int i = 0; i < pages.length; i++) {
            pages[i].extentIndex = i;
            rooms[i] = (short) pages[i].units.room(pages[i]);
        }
    }

    int size() {
        return pages.length;
    }

    /** The count of changes that gave a page room, read by a walk before it reads the rooms. */
    int lowerings() {
        return lowerings;
    }

    /** Where a walk for a request of {@code bin} starts: no page below it may serve one. */
    int start(int bin) {
        return (int) STARTS.getAcquire(starts, bin);
    }

    /**
     * A walk that started at {@code start}, having read {@code lowerings} before the rooms, found the pages before
     * {@code to} unable to serve a request of {@code bin}: the next walk starts at {@code to}, unless a page gained
     * room since.
     */
    void passed(int bin, int start, int to, int lowerings) {
        if (to > start && STARTS.compareAndSet(starts, bin, start, to) && this.lowerings != lowerings) {
            lower(bin, start);          // a page before `to` may have gained room while the walk looked
        }
    }

    private void lower(int bin, int to) {
        int start;
        do {
            start = (int) STARTS.getVolatile(starts, bin);
        } while (start > to && !STARTS.compareAndSet(starts, bin, start, to));
    }

    /**
     * {@code page}'s room grew to {@code room}, and its longest run's bin from {@code before} to {@code after} (-1:
     * none): no walk for a request of the bins after {@code before} up to {@code after} may start above it.
     */
    void gainedRoom(Page page, int room, int before, int after) {
        int at = indexOf(page);
        if (at < 0) {
            return;                         // no longer this heap's (or not yet): its new set starts at 0
        }
        rooms[at] = (short) room;
        if (after <= before) {
            return;                         // the bins it may serve did not grow: most frees
        }
        LOWERINGS.getAndAdd(this, 1);       // after the room's write, before the starts' reads
        for (int b = Math.max(before + 1, FIRST_BIN); b <= Math.min(after, BINS - 1); b++) {
            lower(b, at);
        }
    }

    /** The room of the page at {@code index}, read without a lock: a hint. */
    int room(int index) {
        return rooms[index];
    }

    /** {@code page}'s room is now {@code room}, no more than before (a page of another set is left to that set). */
    void roomIs(Page page, int room) {
        int at = indexOf(page);
        if (at >= 0) {
            rooms[at] = (short) room;
        }
    }

    /** Where {@code page} is in this set, -1 when not here (a set made since has it, or none). */
    private int indexOf(Page page) {
        int at = page.extentIndex;
        return at < pages.length && pages[at] == page ? at : -1;
    }

    /** This set with {@code page} added in address order. */
    ExtentPages with(Page page) {
        int at = 0;
        while (at < pages.length && pages[at].start < page.start) {
            at++;
        }
        Page[] more = new Page[pages.length + 1];
        System.arraycopy(pages, 0, more, 0, at);
        more[at] = page;
        System.arraycopy(pages, at, more, at + 1, pages.length - at);
        return new ExtentPages(more);
    }

    /** This set without {@code page}, or this set when it does not hold it (under {@link Extents}' lock). */
    ExtentPages without(Page page) {
        int at = indexOf(page);
        if (at < 0) {
            return this;
        }
        Page[] rest = new Page[pages.length - 1];
        System.arraycopy(pages, 0, rest, 0, at);
        System.arraycopy(pages, at + 1, rest, at, rest.length - at);
        return new ExtentPages(rest);
    }
}
