package dev.lgmalloc;

import dev.lgmalloc.internal.Heap;
import dev.lgmalloc.internal.Memory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * The process-wide lgmalloc allocator, as static methods: {@code LgMalloc.malloc(64)},
 * {@code LgMalloc.free(p)}. See {@link Allocator} for the semantics of each operation.
 *
 * <p>The allocator is created on first use with the configuration given to {@link #configure} before that
 * (lgmalloc's agent passes the program's predicted plan there), or with {@link AllocatorConfiguration#defaults()}.
 */
public final class LgMalloc {

    private static AllocatorConfiguration configuration;   // guarded by LgMalloc.class
    private static boolean created;                         // guarded by LgMalloc.class

    private LgMalloc() {
    }

    private static final class Global {
        static final Allocator ALLOCATOR = Allocator.createGlobal(takeConfiguration());
        // The fast path's tables as constants of their own (see Allocator.malloc(Heap[], short[], long)).
        static final Heap[] HEAP_TABLE = ALLOCATOR.heapTable();
        static final short[] CLASS_BY_GRANULE = ALLOCATOR.classByGranule();
        static final int[] BLOCK_SIZES = ALLOCATOR.blockSizes();
    }

    private static synchronized AllocatorConfiguration takeConfiguration() {
        created = true;
        return configuration != null ? configuration : AllocatorConfiguration.defaults();
    }

    /**
     * Sets the configuration of the process-wide allocator. Must be called before its first use.
     *
     * @throws IllegalStateException if the allocator was already created
     */
    public static synchronized void configure(AllocatorConfiguration newConfiguration) {
        if (created) {
            throw new IllegalStateException("lgmalloc is already in use; configure it before the first allocation");
        }
        configuration = java.util.Objects.requireNonNull(newConfiguration, "configuration");
    }

    /** Whether the process-wide allocator has been created. */
    public static synchronized boolean isInitialized() {
        return created;
    }

    /** The process-wide allocator. */
    public static Allocator allocator() {
        return Global.ALLOCATOR;
    }

    /** The process-wide allocator as a {@link SegmentAllocator} of global-scope segments. */
    public static SegmentAllocator segmentAllocator() {
        return Global.ALLOCATOR;
    }

    /** See {@link Allocator#malloc}. */
    public static long malloc(long size) {
        return Global.ALLOCATOR.malloc(Global.HEAP_TABLE, Global.CLASS_BY_GRANULE, size);
    }

    /** See {@link Allocator#mallocPredicted}. */
    public static long mallocPredicted(long size, int sizeClass) {
        return Global.ALLOCATOR.mallocPredicted(Global.HEAP_TABLE, Global.BLOCK_SIZES, size, sizeClass);
    }

    /** See {@link Allocator#tryMalloc}. */
    public static long tryMalloc(long size) {
        return Global.ALLOCATOR.tryMalloc(size);
    }

    /** See {@link Allocator#calloc}. */
    public static long calloc(long count, long size) {
        return Global.ALLOCATOR.calloc(count, size);
    }

    /** See {@link Allocator#realloc}. */
    public static long realloc(long address, long newSize) {
        return Global.ALLOCATOR.realloc(address, newSize);
    }

    /** See {@link Allocator#alignedAlloc}. */
    public static long alignedAlloc(long alignment, long size) {
        return Global.ALLOCATOR.alignedAlloc(alignment, size);
    }

    /** See {@link Allocator#free(long)}. */
    public static void free(long address) {
        Global.ALLOCATOR.free(address);
    }

    /** See {@link Allocator#free(long, long)}. */
    public static void free(long address, long size) {
        Global.ALLOCATOR.free(address, size);
    }

    /**
     * See {@link Allocator#owns}: whether {@code address} is in memory lgmalloc manages. Does not create the
     * process-wide allocator, so asking about foreign pointers before the first allocation leaves
     * {@link #configure} possible.
     */
    public static boolean owns(long address) {
        return Heap.owns(address);
    }

    /** See {@link Allocator#freeIfOwned}; like {@link #owns}, never creates the process-wide allocator. */
    public static boolean freeIfOwned(long address) {
        return Allocator.freeIfOwnedByAny(address);
    }

    /** See {@link Allocator#usableSize}. */
    public static long usableSize(long address) {
        return Global.ALLOCATOR.usableSize(address);
    }

    /** See {@link Allocator#allocate(long)}. */
    public static MemorySegment allocate(long size) {
        return Memory.segment(malloc(size), size);
    }

    /** See {@link Allocator#allocatePredicted}. */
    public static MemorySegment allocatePredicted(long size, int sizeClass) {
        return Memory.segment(mallocPredicted(size, sizeClass), size);
    }

    /** See {@link Allocator#allocate(long, long)}. */
    public static MemorySegment allocate(long size, long alignment) {
        return Global.ALLOCATOR.allocate(size, alignment);
    }

    /** See {@link Allocator#free(MemorySegment)}. */
    public static void free(MemorySegment segment) {
        Global.ALLOCATOR.free(segment);
    }

    /** See {@link Allocator#statistics}. */
    public static AllocatorStatistics statistics() {
        return Global.ALLOCATOR.statistics();
    }

    /** See {@link Allocator#residency}. */
    public static AllocatorResidency residency() {
        return Global.ALLOCATOR.residency();
    }

    /** See {@link Allocator#trim}. */
    public static void trim() {
        Global.ALLOCATOR.trim();
    }
}
