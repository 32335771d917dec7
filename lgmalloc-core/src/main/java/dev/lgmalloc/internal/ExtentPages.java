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
 * {@link Extents}' lock). The starts are hints. Each is one word with a count of the times it was lowered: the walk
 * raises a start past the pages it found unable to serve with one CAS on the word it read before looking, and
 * whoever gives a page room afterwards lowers the start and counts ({@link #mayServe}), even when the start is
 * below the page already, so that a walk which looked at the page before it gained room cannot raise the start past
 * it. Where a start or a room is wrong all the same (read racily), the walk looks at every page itself before it
 * maps a fresh page: a block placed higher than first fit would, never more memory.
 */
final class ExtentPages {

    private static final int BINS = FreeRuns.binOf(Units.COUNT) + 1;
    /** The lowest bin an extent request falls in: none is shorter than {@link Extents#MIN_BLOCK}. */
    private static final int FIRST_BIN = FreeRuns.binOf(Units.unitsFor(Extents.MIN_BLOCK));
    private static final VarHandle STARTS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The room of a page with a remote list: its blocks, taken in under the lock, may serve any request. */
    static final int REMOTE = Short.MAX_VALUE;

    /** A heap's set before its first page (after BINS, which its starts need). */
    static final ExtentPages NONE = new ExtentPages(new Page[0]);

    final Page[] pages;
    /** Per page: its room in units, or {@link #REMOTE}. */
    private final short[] rooms;
    /** Per bin: the times the start was lowered (high half), the start (low half). */
    private final long[] starts = new long[BINS];

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

    /** The word of {@code bin}'s start, to pass back to {@link #passed}. */
    long seen(int bin) {
        return (long) STARTS.getAcquire(starts, bin);
    }

    /** Where a walk that read {@code seen} starts: no page below it may serve a request of its bin. */
    static int start(long seen) {
        return (int) seen;
    }

    /**
     * A walk that read {@code seen} found the pages before {@code to} unable to serve a request of {@code bin}: the
     * next walk starts at {@code to}, unless a page gained room since that read.
     */
    void passed(int bin, long seen, int to) {
        if (to > start(seen)) {
            STARTS.compareAndSet(starts, bin, seen, (seen & ~0xFFFF_FFFFL) | to);
        }
    }

    /**
     * {@code page} may now serve requests of the bins after {@code before} up to {@code after}, its longest run's
     * bin before and after a change (-1: none): no walk for those may start above it. The bins up to {@code before}
     * it could serve already.
     */
    void mayServe(Page page, int before, int after) {
        if (after <= before) {
            return;                         // what the page may serve did not grow: most frees
        }
        int at = indexOf(page);
        if (at < 0) {
            return;                         // no longer this heap's (or not yet): its new set starts at 0
        }
        for (int b = Math.max(before + 1, FIRST_BIN); b <= Math.min(after, BINS - 1); b++) {
            long word;
            do {
                word = seen(b);
            } while (!STARTS.compareAndSet(starts, b, word,
                    ((word >>> 32) + 1) << 32 | Math.min(start(word), at)));
        }
    }

    /** The room of the page at {@code index}, read without a lock: a hint. */
    int room(int index) {
        return rooms[index];
    }

    /** {@code page}'s room is now {@code room} (a page of another set is left to that set). */
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
