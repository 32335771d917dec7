package dev.lgmalloc.management;

/**
 * JMX view of one lgmalloc allocator, registered as {@code dev.lgmalloc:type=Allocator,name=<name>}
 * ({@code name=global} for {@link dev.lgmalloc.LgMalloc}'s). Attribute names map to Micrometer-style meter names:
 * {@code LiveBytes} is {@code lgmalloc.memory.used}, {@code CommittedBytes} {@code lgmalloc.memory.committed},
 * {@code ReservedBytes} {@code lgmalloc.memory.reserved}, {@code LiveBlocks} {@code lgmalloc.blocks.live},
 * {@code Heaps} {@code lgmalloc.heaps}.
 */
public interface AllocatorMXBean {

    /** Bytes in live blocks. */
    long getLiveBytes();

    /** Live blocks. */
    long getLiveBlocks();

    /** Upper bound of resident bytes. */
    long getCommittedBytes();

    /** Bytes mapped from the OS. */
    long getReservedBytes();

    /** Bytes held in pages and large blocks (what a memory limit caps). */
    long getUsedBytes();

    /** The most bytes held in pages and large blocks at once since the allocator was created. */
    long getPeakUsedBytes();

    /** The memory limit in bytes, 0 for none. */
    long getMemoryLimit();

    /** Heaps in use. */
    int getHeaps();

    /** Segments mapped. */
    int getSegments();

    /** Allocations served by routed call sites' fast paths (the agent's routing at work). */
    long getPredictedHits();

    /** Live blocks with their own mapping. */
    long getLargeBlocks();

    /** Block sizes of the size classes that have pages now. */
    int[] getBlockSizesInUse();

    /** The plan: exact classes added for predicted sizes. */
    int[] getExactClassSizes();

    /** The plan: request sizes whose classes every new heap pre-provisions. */
    long[] getProvisionedSizes();

    /** Returns free memory to the OS now ({@code malloc_trim}). */
    void trim();
}
