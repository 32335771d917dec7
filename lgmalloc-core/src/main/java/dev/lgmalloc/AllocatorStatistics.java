package dev.lgmalloc;

import java.util.List;

/**
 * A snapshot of an allocator's memory. Counts are exact when no thread allocates or frees during the snapshot,
 * and approximate otherwise.
 *
 * @param liveBytes      bytes in live blocks, counted at block size (small blocks) or mapping size (large blocks)
 * @param liveBlocks     live blocks, small and large
 * @param committedBytes upper bound of the memory that may be resident: chunks held by pages, free chunks not yet
 *                       purged, large mappings, and freed large mappings kept for reuse until the purge delay
 * @param reservedBytes  address space mapped from the OS: segments and large mappings
 * @param segments       4 MiB segments mapped
 * @param largeBlocks    live blocks with a mapping of their own
 * @param largeBytes     bytes mapped for large blocks
 * @param heaps          heaps in use (thread heaps and virtual-thread stripes)
 * @param predictedHits  allocations served by routed call sites' fast paths ({@code mallocPredicted}) since the
 *                       start, also by threads that ended: non-zero when the agent's routing is working
 * @param classes        per size class with at least one page
 * @param heapDetails    per heap, plus one entry for pages orphaned by ended threads if there are any
 * @param quarantinedPages pages taken out of use because their free lists were corrupted by a program bug (a
 *                       write into a freed block, or a block freed twice at once); their memory stays mapped and
 *                       is not counted as live
 * @param discardedBlocks freed blocks found written to while the thread that freed them kept them for reuse (a
 *                       program's write after free); they are never handed out again and are not counted as live
 */
public record AllocatorStatistics(long liveBytes, long liveBlocks, long committedBytes, long reservedBytes,
                                  int segments, long largeBlocks, long largeBytes, int heaps, long predictedHits,
                                  List<ClassStatistics> classes, List<HeapStatistics> heapDetails,
                                  int quarantinedPages, int discardedBlocks) {

    public AllocatorStatistics {
        classes = List.copyOf(classes);
        heapDetails = List.copyOf(heapDetails);
    }

    /**
     * One size class.
     *
     * @param sizeClass      the class index
     * @param blockSize      its block size
     * @param exact          whether it is an exact class added by configuration
     * @param pages          pages of this class
     * @param capacityBlocks blocks those pages can hold
     * @param liveBlocks     blocks allocated and not freed
     */
    public record ClassStatistics(int sizeClass, int blockSize, boolean exact, int pages, long capacityBlocks,
                                  long liveBlocks) {
    }

    /**
     * One heap.
     *
     * @param id         heap number, -1 for the orphaned pages, -2 for the extent pages
     * @param owner      the owning thread's name and id, or a stripe name
     * @param kind       what kind of heap it is
     * @param pages      pages the heap holds
     * @param liveBlocks live blocks in those pages
     * @param liveBytes  bytes of those blocks
     */
    public record HeapStatistics(int id, String owner, Kind kind, int pages, long liveBlocks, long liveBytes) {

        /** Heap kinds. */
        public enum Kind {
            /** The heap of one platform thread. */
            THREAD,
            /** A heap shared by virtual threads, one at a time. */
            VIRTUAL_THREAD_STRIPE,
            /** The heap of a carrier thread, used by the virtual threads it runs, one at a time. */
            CARRIER,
            /** Pages left by threads that ended, still holding live blocks. */
            ORPHANED,
            /** The extent pages of every heap together: blocks of 8 KiB and more (id -2). */
            EXTENTS
        }
    }
}
