package dev.lgmalloc.internal;

/**
 * The field layout of {@link Heap}, as {@link PageLayout} does it for pages: first what a thread freeing one of the
 * heap's blocks reads on every free (is the owner the current thread? which engine?), then 64 bytes of padding,
 * then (in {@code Heap}) what the owner writes as it works: its chain of gathered remote frees, the routed sites'
 * hit count, its spare arena chunk, its list lock. Without the padding those shared the owner's cache line, so every
 * free by another thread missed on a line the owner had just written.
 */
final class HeapLayout {

    private HeapLayout() {
    }

    /** Read by freeing threads on every free; written only when the heap changes hands (a stripe's borrower). */
    abstract static class ReadByFreeingThreads {
        final Engine engine;
        /** The thread that may use the fast paths; for a stripe, the virtual thread holding it, or null. */
        Thread owner;
        /** Laid out first, with the two flags below; {@link Pad} takes the holes they leave. */
        final int id;
        /** A stripe: borrowed by virtual threads for one call at a time. */
        final boolean striped;
        /**
         * A carrier's heap: its owner is a carrier thread, and the virtual threads mounted on it use it, one at a
         * time ({@code Heap.enterAsCarrier}). Beside the owner, so that a virtual thread's free tells a heap it may
         * enter from one it frees into remotely without reading another line.
         */
        final boolean ofCarrier;

        ReadByFreeingThreads(Engine engine, int id, Thread owner, boolean striped, boolean ofCarrier) {
            this.engine = engine;
            this.id = id;
            this.owner = owner;
            this.striped = striped;
            this.ofCarrier = ofCarrier;
        }
    }

    abstract static class Pad extends ReadByFreeingThreads {
        /**
         * Take the holes the fields above leave (two bytes after the flags, four after the references with compressed
         * oops), before the owner's small fields in {@code Heap} can: HotSpot fills a superclass's holes with a
         * subclass's fields, and without these had put the virtual threads' busy flag beside {@code owner}.
         */
        short hole2;
        int hole4;
        long p0, p1, p2, p3, p4, p5, p6, p7;

        Pad(Engine engine, int id, Thread owner, boolean striped, boolean ofCarrier) {
            super(engine, id, owner, striped, ofCarrier);
        }
    }
}
