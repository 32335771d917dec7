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
        /** Fills the 24 bytes from the header's end, so that none of the owner's small fields lands here. */
        final int id;

        ReadByFreeingThreads(Engine engine, int id, Thread owner) {
            this.engine = engine;
            this.id = id;
            this.owner = owner;
        }
    }

    abstract static class Pad extends ReadByFreeingThreads {
        long p0, p1, p2, p3, p4, p5, p6, p7;

        Pad(Engine engine, int id, Thread owner) {
            super(engine, id, owner);
        }
    }
}
