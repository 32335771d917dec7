package dev.lgmalloc.bench.peer;

/**
 * The small allocator interface every peer is measured through: {@code malloc}, {@code free} and {@code realloc}
 * on raw native addresses, as C programs and the mimalloc-bench workloads use them.
 *
 * <p>Implementations are created by {@link Peers} and used from many threads at once unless
 * {@link #freesFromAnyThread()} says that a block must be freed by the thread that allocated it.
 */
public interface PeerAllocator extends AutoCloseable {

    /** The peer's name as the suite and the tables show it, e.g. {@code jemalloc-critical}. */
    String name();

    /**
     * Allocates at least {@code size} bytes aligned to at least 8 bytes.
     *
     * @return the block's address, never 0
     * @throws OutOfMemoryError when the allocator has no memory
     */
    long malloc(long size);

    /** Frees a block returned by {@link #malloc} or {@link #realloc}; 0 is ignored. */
    void free(long address);

    /** Resizes a block, keeping its first {@code min(old, new)} bytes; the returned address replaces the old one. */
    long realloc(long address, long newSize);

    /** False when blocks must be freed by the allocating thread (a confined {@link java.lang.foreign.Arena}). */
    default boolean freesFromAnyThread() {
        return true;
    }

    /**
     * Creates an unstarted worker thread. Peers whose fast path depends on the kind of thread (Netty's caches
     * for its own {@code FastThreadLocalThread}s) override this, so workloads run on the threads the peer wants.
     */
    default Thread newThread(Runnable task, String name) {
        return Thread.ofPlatform().name(name).unstarted(task);
    }

    /**
     * Asks the allocator to give free memory back to the operating system now, through its own API
     * ({@code malloc_trim}, {@code mi_collect}, jemalloc's {@code arena.<all>.purge}, ...).
     *
     * @return what was called, for the report; empty when the allocator has no such call
     */
    default String releaseFreeMemory() {
        return "";
    }

    /**
     * Bytes the allocator holds from the OS by its own account (lgmalloc's committed bytes: an upper bound of what
     * may be resident), or -1 when it does not say. RSS shows what was touched; this shows what was taken.
     */
    default long committedBytes() {
        return -1;
    }

    /** The allocator's version as its library reports it, or the version of the jar it comes from. */
    String version();

    /** Short notes on the configuration that a reader of the results needs (how it is reached, caveats). */
    String notes();

    @Override
    default void close() {
    }
}
