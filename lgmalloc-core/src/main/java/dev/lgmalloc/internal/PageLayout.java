package dev.lgmalloc.internal;

/**
 * The field layout of {@link Page}, by inheritance because HotSpot lays out a superclass's fields before its
 * subclass's: the word other threads CAS ({@code threadFree}), then 64 bytes of padding, then the fields only the
 * owner writes on every malloc and free, then padding again, then (in {@code Page}) the fields freeing threads read.
 * Without it a producer's malloc and a consumer's free bounce one cache line per block.
 *
 * <p>HotSpot also puts a subclass's small fields into the holes a superclass leaves (the 4 bytes after a 12-byte
 * header, the bytes after a boolean): the owner's {@code used} count went next to {@code threadFree}, and
 * {@code Page.full}, which freeing threads read, among the owner's fields. So each region fills its own holes;
 * {@code FieldLayoutTest} checks the result.
 */
final class PageLayout {

    private PageLayout() {
    }

    /** Written by freeing threads with a CAS. */
    abstract static class RemoteWord {
        /** Takes the header's 4-byte hole before a subclass's int can. */
        int headerHole;
        volatile long threadFree;
    }

    abstract static class RemotePad extends RemoteWord {
        long r0, r1, r2, r3, r4, r5, r6, r7;
    }

    /** Written by the owner on every malloc and free; never read by other threads on their fast path. */
    abstract static class OwnerState extends RemotePad {
        long free;
        /** {@code Page.alignMask} again, beside {@code free}: malloc's link check then reads no other line. */
        long linkMask;
        int used;
        Page prev;
        Page next;
        boolean inFullList;
        /** Take the rest of the 8 bytes {@code inFullList} starts, before a subclass's small field can. */
        byte h0, h1, h2;
    }

    abstract static class OwnerPad extends OwnerState {
        long o0, o1, o2, o3, o4, o5, o6, o7;
    }

    /**
     * What every free reads, local or remote, and nothing else: 53 bytes of fields, 56 as laid out ({@code Page.full}
     * takes the hole after {@code large}), so a free reads this region's one or two lines and the owner's, where the
     * page's other fields (its end, segment, mapped size, pool) had made it two or three.
     */
    abstract static class ReadOnFree extends OwnerPad {
        final long start;
        final long alignMask;         // ~(span - 1): a pointer inside the page has start == (p & alignMask)
        final long divMagic;          // ceil(2^40 / blockSize): offset -> index without a division
        final int blockSize;          // 0 for a large block
        final int sizeClass;          // -1 for a large block
        final Units units;            // extent pages: their blocks (Extents); null for any other page
        final boolean large;          // one block with a mapping of its own
        // Written by the owner (or whoever holds the page while it has none), read by freeing threads.
        Heap heap;
        long bump;
        int state;

        ReadOnFree(long start, long alignMask, long divMagic, int blockSize, int sizeClass, Units units,
                boolean large) {
            this.start = start;
            this.alignMask = alignMask;
            this.divMagic = divMagic;
            this.blockSize = blockSize;
            this.sizeClass = sizeClass;
            this.units = units;
            this.large = large;
        }
    }
}
