package dev.lgmalloc;

import dev.lgmalloc.internal.Carriers;
import dev.lgmalloc.internal.Engine;
import dev.lgmalloc.internal.Heap;
import dev.lgmalloc.internal.Memory;
import dev.lgmalloc.internal.jfr.Telemetry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * An off-heap allocator with malloc(3) semantics: blocks are raw native addresses (or {@link MemorySegment}s
 * over them) that stay valid until freed, from any thread.
 *
 * <p>Each platform thread allocates from a heap of its own, without locks or atomic instructions; a block freed
 * by another thread goes back to its heap with one CAS. Virtual threads share a bounded number of heaps. Memory
 * comes from {@code mmap} in 4 MiB segments cut into pages of one size class; requests above
 * {@value SizeClasses#MAX_SMALL_SIZE} bytes get a mapping of their own. Free pages go back to the OS after the
 * configured purge delay.
 *
 * <p>Edge cases follow malloc(3): {@code malloc(0)} returns a unique address that must be freed; {@code free(0)}
 * does nothing; {@code realloc(0, n)} is {@code malloc(n)}; {@code realloc(p, 0)} frees {@code p} and returns 0;
 * blocks are aligned to 16 bytes. Unlike malloc(3), misuse never corrupts memory silently: freeing a pointer that
 * is not a live block throws {@link InvalidFreeException}, negative sizes and impossible alignments throw
 * {@link IllegalArgumentException}, and exhaustion throws {@link OutOfMemoryError} (or returns 0 from
 * {@link #tryMalloc}).
 *
 * <p>Most programs use the process-wide allocator through {@link LgMalloc}. Every allocator is thread-safe, and
 * a block from any lgmalloc allocator can be freed through any of them.
 *
 * <p>As a {@link SegmentAllocator}, {@link #allocate(long, long)} returns segments of exactly the requested size
 * in the global scope; free them with {@link #free(MemorySegment)}. For segments freed together, with lifetime
 * checks, use an {@link LgArena}.
 */
public final class Allocator implements SegmentAllocator, AutoCloseable {

    private static final long MAX_ALIGNMENT = 1L << 40;

    private final Engine engine;
    private final SizeClasses classes;
    private final AllocatorConfiguration configuration;
    // The fast path's tables, held here so malloc needs no load through engine or classes.
    private final Heap[] heapTable;
    private final short[] classByGranule;
    private final int[] blockSizes;
    private final boolean global;       // LgMalloc's: lives as long as the JVM, never closed

    private static final java.util.concurrent.atomic.AtomicInteger COUNT = new java.util.concurrent.atomic.AtomicInteger();

    private Allocator(String name, AllocatorConfiguration configuration, boolean global) {
        this.global = global;
        this.configuration = configuration;
        this.classes = configuration.sizeClasses();
        this.engine = new Engine(name, classes, configuration.provisionedClasses(), configuration.purgeDelay().toNanos(),
                configuration.virtualThreadStripes(), configuration.memoryLimit(), configuration.carrierHeaps());
        this.heapTable = engine.slotTable();
        this.classByGranule = classes.granuleTable();
        this.blockSizes = classes.blockSizes();
        if (classes.exactSizes().length > 0 || configuration.provisionedBlockSizes().length > 0) {
            Telemetry.planApplied(name, classes.exactSizes(), configuration.provisionedBlockSizes(), classes.count());
        }
    }

    /** A new allocator with its own heaps and memory. */
    public static Allocator create(AllocatorConfiguration configuration) {
        return new Allocator("allocator-" + COUNT.incrementAndGet(), configuration, false);
    }

    /** The process-wide allocator behind {@link LgMalloc}. */
    static Allocator createGlobal(AllocatorConfiguration configuration) {
        return new Allocator("global", configuration, true);
    }

    /**
     * Returns every byte of this allocator to the OS and makes it unusable: its segments and large blocks are
     * unmapped, blocks still live included (like closing an arena), and it leaves the maintenance thread, so once
     * the program drops it nothing of it remains. Afterwards an allocation throws {@link IllegalStateException}
     * and a free of one of its blocks throws {@link InvalidFreeException} (a foreign pointer now). No thread may
     * use the allocator while it closes, and no segment or address of its blocks may be used after. Closing twice
     * does nothing.
     *
     * @throws UnsupportedOperationException for the process-wide allocator of {@link LgMalloc}, which lives as
     *                                       long as the JVM
     */
    @Override
    public void close() {
        if (global) {
            throw new UnsupportedOperationException("the process-wide allocator of LgMalloc cannot be closed");
        }
        engine.close();
    }

    /** This allocator's name in telemetry (JFR, JMX): {@code global} for {@link LgMalloc}'s. */
    public String name() {
        return engine.name();
    }

    /** The configuration this allocator was created with. */
    public AllocatorConfiguration configuration() {
        return configuration;
    }

    /** The size classes of this allocator. */
    public SizeClasses sizeClasses() {
        return classes;
    }

    // ---------------------------------------------------------------- malloc family

    /**
     * Allocates {@code size} bytes aligned to 16. The contents are unspecified.
     *
     * @return the address of the block, never 0
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws OutOfMemoryError if the OS has no memory left
     */
    public long malloc(long size) {
        return malloc(heapTable, classByGranule, size);
    }

    /**
     * {@link #malloc} on this allocator's own thread table and class table, passed in: {@link LgMalloc} passes
     * them from static finals, which the JIT treats as constants: the two loads and the thread table's bounds check
     * fold away, and the class table's check compares with a constant (an instance's final fields are not constants
     * to the JIT).
     */
    long malloc(Heap[] table, short[] granules, long size) {
        long block = mallocUntracked(table, granules, size);
        if (LeakDetector.ENABLED) {
            LeakDetector.allocated(block, size);
        }
        return block;
    }

    private long mallocUntracked(long size) {
        return mallocUntracked(heapTable, classByGranule, size);
    }

    private long mallocUntracked(Heap[] table, short[] granules, long size) {
        if (Long.compareUnsigned(size, SizeClasses.MAX_SMALL_SIZE) <= 0) {     // a negative size is a huge unsigned one
            int sizeClass = granules[(int) ((size + SizeClasses.GRANULE - 1) >>> 4) & (granules.length - 1)];
            Heap heap = Engine.fastHeap(table);
            if (heap != null) {
                long block = heap.malloc(sizeClass);
                if (block != 0) {
                    return block;
                }
            } else {
                long block = mallocOnCarrier(sizeClass, SizeClasses.GRANULE);
                if (block != 0) {
                    return block;
                }
            }
        }
        return orThrow(allocateSlow(size, 16), size, 16);
    }

    /**
     * A virtual thread's block of {@code sizeClass} at {@code alignment} from its carrier's heap, from malloc's
     * table miss and from the general path: 0 when the thread is a platform thread (without a heap in the table
     * yet), the carrier's heap cannot be entered, or it has no memory; the caller then borrows a stripe or does
     * what a platform thread does.
     */
    private long mallocOnCarrier(int sizeClass, long alignment) {
        Heap heap = Thread.currentThread().isVirtual() ? engine.enterCarrierHeap() : null;
        if (heap == null) {
            return 0;
        }
        try {
            return heap.mallocAligned(sizeClass, alignment);
        } finally {
            heap.leaveAsCarrier();
        }
    }

    /** The thread table of the fast path, for {@link LgMalloc}'s constants. */
    Heap[] heapTable() {
        return heapTable;
    }

    /** The block size of each class, for {@link LgMalloc}'s constants. */
    int[] blockSizes() {
        return blockSizes;
    }

    /** The class of each 16-byte granule of request size, for {@link LgMalloc}'s constants. */
    short[] classByGranule() {
        return classByGranule;
    }

    /**
     * A zeroed chunk of {@code bytes} for an {@link LgArena} to carve: the calling thread's spare when it has one
     * (what its last closed arena left; on a virtual thread, its carrier's), else a fresh block, zeroed here.
     */
    long takeArenaChunk(long bytes) {
        long spare;
        if (Thread.currentThread().isVirtual()) {
            spare = takeCarrierArenaChunk();
        } else {
            Heap heap = Engine.fastHeap(heapTable);
            spare = heap != null ? heap.takeArenaChunk() : 0;
        }
        if (spare != 0) {
            return spare;
        }
        long chunk = mallocUntracked(bytes);
        Memory.zero(chunk, bytes);
        return chunk;
    }

    /**
     * Takes back an arena chunk whose first {@code usedBytes} were handed out: it becomes the calling thread's
     * spare (on a virtual thread, its carrier's), zeroed again, or is freed when there is a spare already, the
     * carrier's heap cannot be entered, or the platform thread has no heap in the table.
     */
    void returnArenaChunk(long chunk, long usedBytes) {
        if (Thread.currentThread().isVirtual()) {
            if (keepCarrierArenaChunk(chunk, usedBytes)) {
                return;
            }
        } else {
            Heap heap = Engine.fastHeap(heapTable);
            if (heap != null && heap.keepArenaChunk(chunk)) {
                zeroUsed(chunk, usedBytes);     // the owner alone reads its spare, and only after this
                return;
            }
        }
        Heap.free(chunk);
    }

    /**
     * Zeroes the part of an arena chunk its arena used. Most arenas use its first line or less: that line is
     * zeroed with eight stores, and the rest only when used. Shorter machine code than a fill of any length, which
     * keeps {@link LgArena#close} small enough for C2 to inline it into its caller on a virtual thread too
     * (C2 does not inline a method it compiled to more than 2,500 bytes, and then the arena escapes).
     */
    private static void zeroUsed(long chunk, long usedBytes) {
        for (int word = 0; word < 8; word++) {
            Memory.putLong(chunk + word * Long.BYTES, 0);
        }
        if (usedBytes > 8 * Long.BYTES) {
            Memory.zero(chunk + 8 * Long.BYTES, usedBytes - 8 * Long.BYTES);
        }
    }

    /**
     * A virtual thread's arena chunk from its carrier's spare, as a platform thread takes its own: 0 when there is
     * none or the carrier's heap cannot be entered. With it a virtual thread's arena costs no malloc and no free of
     * a stripe's block, which made the arena's methods outgrow what C2 inlines, so that the arena escaped.
     */
    private long takeCarrierArenaChunk() {
        Heap carrier = engine.enterCarrierHeap();
        if (carrier == null) {
            return 0;
        }
        long spare = carrier.takeArenaChunk();
        carrier.leaveAsCarrier();
        return spare;
    }

    /**
     * Keeps a virtual thread's arena chunk as its carrier's spare, its first {@code usedBytes} zeroed before the
     * thread leaves the carrier's heap (the next virtual thread on the carrier may take the spare at once); false
     * when the carrier has a spare already or its heap cannot be entered.
     */
    private boolean keepCarrierArenaChunk(long chunk, long usedBytes) {
        Heap carrier = engine.enterCarrierHeap();
        if (carrier == null) {
            return false;
        }
        try {
            if (!carrier.keepArenaChunk(chunk)) {
                return false;
            }
            zeroUsed(chunk, usedBytes);
            return true;
        } finally {
            carrier.leaveAsCarrier();
        }
    }

    /**
     * Whether virtual threads allocate here from their carriers' heaps: the configuration asks for it
     * ({@link AllocatorConfiguration#carrierHeaps()}) and the JDK lets lgmalloc see carriers (lgmalloc's agent,
     * or {@code --add-exports java.base/jdk.internal.access=ALL-UNNAMED}). Otherwise they borrow stripes.
     */
    public boolean carrierHeaps() {
        return configuration.carrierHeaps() && Carriers.available();
    }

    /** Bytes this allocator holds in pages and large blocks: what {@link AllocatorConfiguration#memoryLimit()} caps. */
    public long usedBytes() {
        return engine.usedBytes();
    }

    /**
     * The most bytes this allocator held in pages and large blocks at any one time since it was created: the
     * high-water mark of {@link #usedBytes()}, exact (every new height is a page or a mapping taken under the
     * budget's compare-and-set, which records it), and how close a program came to its memory limit. Resident
     * memory can be less, as a page's blocks never handed out are not touched.
     */
    public long peakUsedBytes() {
        return engine.peakUsedBytes();
    }

    /**
     * {@link #malloc} for a call site predicted to request sizes of class {@code sizeClass}: the fast path
     * skips the size-class lookup. A request that does not fit the class (a wrong prediction) takes the general
     * path, so a prediction may cost speed, never correctness. lgmalloc's agent routes confident sites here.
     *
     * @param size      the requested size
     * @param sizeClass the predicted class in {@link #sizeClasses()}
     */
    public long mallocPredicted(long size, int sizeClass) {
        return mallocPredicted(heapTable, blockSizes, size, sizeClass);
    }

    /** {@link #mallocPredicted(long, int)} on tables the caller passes, as {@link #malloc(Heap[], short[], long)}. */
    long mallocPredicted(Heap[] table, int[] sizes, long size, int sizeClass) {
        // One unsigned compare for the class (the array's own bound check then folds away) and one for the size.
        if (sizeClass >= 0 && sizeClass < sizes.length && size >= 0 && size <= sizes[sizeClass]) {
            Heap heap = Engine.fastHeap(table);
            if (heap == null && !Thread.currentThread().isVirtual()) {
                heap = engine.heapOf(Thread.currentThread());     // this thread's first allocation
            }
            if (heap != null) {
                long block = heap.mallocPredicted(sizeClass);
                if (block != 0) {
                    if (LeakDetector.ENABLED) {
                        LeakDetector.allocated(block, size);
                    }
                    return block;
                }
            }
        } else if (sizeClass >= 0 && sizeClass < sizes.length && size > sizes[sizeClass]) {
            Telemetry.predictionMiss(size, sizes[sizeClass]);
        }
        return malloc(size);
    }

    /** Like {@link #malloc} but returns 0 instead of throwing {@link OutOfMemoryError}. */
    public long tryMalloc(long size) {
        long block = retried(allocateSlow(size, 16), size, 16);
        if (LeakDetector.ENABLED && block != 0) {
            LeakDetector.allocated(block, size);
        }
        return block;
    }

    /**
     * Allocates {@code count * size} bytes set to zero.
     *
     * @throws IllegalArgumentException if either argument is negative or their product overflows
     */
    public long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new IllegalArgumentException("calloc count and size must not be negative: " + count + " x " + size);
        }
        long total;
        try {
            total = Math.multiplyExact(count, size);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("calloc size overflows: " + count + " x " + size);
        }
        return alignedCalloc(SizeClasses.GRANULE, total);
    }

    /**
     * {@link #alignedAlloc} of a block whose bytes are all zero: {@code calloc}'s, and an {@link LgArena}'s own
     * blocks. A large block is a mapping of its own: fresh pages are zero already, and pages kept after a free are
     * written over where resident and dropped where not, so no page is made resident, nor faulted in again, for
     * nothing.
     */
    long alignedCalloc(long alignment, long size) {
        long mapped = Math.max(alignment, SizeClasses.GRANULE);
        boolean valid = alignment > 0 && (alignment & (alignment - 1)) == 0 && alignment <= MAX_ALIGNMENT;
        if (valid && size >= 0 && classFor(size, mapped) < 0) {
            long block = engine.mapLargeZeroed(Math.max(size, 1), mapped);
            if (block != 0) {
                Telemetry.largeAllocation(size, block);
                if (LeakDetector.ENABLED) {
                    LeakDetector.allocated(block, size);
                }
                return block;
            }
            // refused: the general path below reclaims, retries or throws, and zeroes what it gets
        }
        long block = alignedAlloc(alignment, size);     // and bad arguments are refused there
        Memory.clear(block, size);
        return block;
    }

    /**
     * Resizes the block at {@code address} to {@code newSize} bytes, moving it if needed; the first
     * {@code min(old, new)} bytes are kept. Blocks above {@link SizeClasses#MAX_SMALL_SIZE} that stay above it
     * are resized by remapping their pages ({@code mremap}), without copying. {@code realloc(0, n)} allocates; {@code realloc(p, 0)} frees
     * {@code p} and returns 0.
     *
     * @throws InvalidFreeException if {@code address} is neither 0 nor a live block
     */
    public long realloc(long address, long newSize) {
        if (newSize < 0) {
            throw new IllegalArgumentException("size must not be negative: " + newSize);
        }
        if (address == 0) {
            return malloc(newSize);
        }
        long usable = Heap.usableSize(address);
        if (newSize == 0) {
            free(address);
            return 0;
        }
        if (newSize <= usable && newSize >= usable / 2) {
            return address;
        }
        if (newSize > usable && newSize <= SizeClasses.MAX_SMALL_SIZE && Engine.isExtentClass((int) usable)) {
            // An extent growing within the extents: into the free units after it, when they are free.
            int sizeClass = classes.classOf(newSize);
            int blockSize = classes.blockSize(sizeClass);
            if (Heap.growExtentInPlace(address, blockSize, sizeClass)) {
                if (LeakDetector.ENABLED) {
                    LeakDetector.freed(address);
                    LeakDetector.allocated(address, newSize);
                }
                return address;
            }
        }
        if (newSize > SizeClasses.MAX_SMALL_SIZE && usable > SizeClasses.MAX_SMALL_SIZE) {
            // Large to large: the kernel moves the pages (mremap), so growing a big buffer costs no copy.
            long remapped = Heap.remapLarge(address, newSize);
            if (remapped != 0) {
                if (LeakDetector.ENABLED) {
                    LeakDetector.freed(address);
                    LeakDetector.allocated(remapped, newSize);
                }
                return remapped;
            }
        }
        long moved = malloc(newSize);
        Memory.copy(address, moved, Math.min(usable, newSize));
        free(address);
        return moved;
    }

    /**
     * Allocates {@code size} bytes aligned to {@code alignment}, a power of two.
     *
     * @throws IllegalArgumentException if {@code alignment} is not a power of two (or above 2^40) or {@code size}
     *                                  is negative
     */
    public long alignedAlloc(long alignment, long size) {
        if (alignment > 0 && alignment <= SizeClasses.GRANULE && (alignment & (alignment - 1)) == 0) {
            return malloc(size);       // every block is 16-byte aligned: the fast path serves it
        }
        long block = orThrow(tryAlignedAlloc(alignment, size), size, alignment);
        if (LeakDetector.ENABLED) {
            LeakDetector.allocated(block, size);
        }
        return block;
    }

    private long tryAlignedAlloc(long alignment, long size) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > MAX_ALIGNMENT) {
            throw new IllegalArgumentException("alignment must be a power of two in [1, 2^40]: " + alignment);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        if (alignment <= SizeClasses.GRANULE) {
            return allocateSlow(size, SizeClasses.GRANULE);
        }
        return allocateSlow(size, alignment);
    }

    /** The general path: any size, any alignment; 0 when out of memory. */
    private long allocateSlow(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        int sizeClass = classFor(size, alignment);
        if (sizeClass < 0) {
            long block = engine.mapLarge(Math.max(size, 1), alignment);
            Telemetry.largeAllocation(size, block);
            return block;
        }
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            long block = mallocOnCarrier(sizeClass, alignment);
            if (block != 0) {
                return block;
            }
            Heap stripe = engine.acquireStripe(t);
            try {
                return stripe.mallocAligned(sizeClass, alignment);
            } finally {
                engine.releaseStripe(stripe);
            }
        }
        return engine.heapOf(t).mallocAligned(sizeClass, alignment);
    }

    /** The smallest class whose blocks hold {@code size} bytes at {@code alignment}, or -1 for a large block. */
    private int classFor(long size, long alignment) {
        if (alignment <= SizeClasses.GRANULE) {
            return classes.classOf(size);
        }
        if (alignment > 64 * 1024) {
            return -1;                   // pages are aligned to 64 KiB at least
        }
        long rounded = (Math.max(size, 1) + alignment - 1) & -alignment;
        // Pages start 64 KiB-aligned, so every block of a class whose size is a multiple of alignment is aligned.
        for (int c = classes.classOf(rounded); c >= 0 && c < classes.count(); c++) {
            if (Engine.isExtentClass(classes.blockSize(c))) {
                return c;                // an extent, placed at an aligned unit (Heap.mallocAligned)
            }
            if (classes.blockSize(c) % alignment == 0) {
                return c;
            }
        }
        return -1;
    }

    /**
     * Retries a refused allocation once after a forced maintenance pass: memory other threads freed may sit in
     * pages nobody reclaimed yet, and free chunks and cached mappings count against the OS. Every refusal retries,
     * whatever refused it: a thread that releases memory between the refusal and a look at the limit (a trim, the
     * maintenance thread) made a check-then-retry give up on memory that was free (seen once in CI).
     */
    private long retried(long block, long size, long alignment) {
        if (block != 0) {
            return block;
        }
        engine.maintain(true);
        return allocateSlow(size, Math.max(alignment, SizeClasses.GRANULE));
    }

    private long orThrow(long block, long size, long alignment) {
        block = retried(block, size, alignment);
        if (block == 0) {
            if (engine.limitRefuses(size)) {
                throw new OutOfMemoryError("lgmalloc: cannot allocate " + size + " bytes: the allocator's memory "
                        + "limit of " + configuration.memoryLimit() + " bytes is reached (" + engine.usedBytes()
                        + " bytes in use)");
            }
            throw new OutOfMemoryError("lgmalloc: cannot allocate " + size + " bytes: the OS refused more memory");
        }
        return block;
    }

    /**
     * Frees the block at {@code address}; {@code free(0)} does nothing. Any thread may free any block.
     *
     * @throws InvalidFreeException if {@code address} is not a live block (foreign, interior or already freed)
     */
    public void free(long address) {
        if (address != 0) {
            Heap.free(address);
            if (LeakDetector.ENABLED) {
                LeakDetector.freed(address);
            }
        }
    }

    /**
     * Frees {@code address} if it lies in memory lgmalloc manages ({@link #owns}) and returns true; returns false,
     * doing nothing, for any other address (0 included). For code that holds pointers of mixed origin and sends
     * the others to the allocator that made them: one lookup instead of {@code owns} then {@code free}.
     *
     * @throws InvalidFreeException if {@code address} is in lgmalloc's memory but not a live block
     */
    public boolean freeIfOwned(long address) {
        return freeIfOwnedByAny(address);
    }

    /** {@link #freeIfOwned} needs no allocator instance: the page map is shared by all of them. */
    static boolean freeIfOwnedByAny(long address) {
        if (!Heap.freeIfOwned(address)) {
            return false;
        }
        if (LeakDetector.ENABLED) {
            LeakDetector.freed(address);
        }
        return true;
    }

    /**
     * Frees a block, checking that it is large enough to have been allocated with {@code size} bytes (a sized
     * free, as in C++'s {@code operator delete(void*, size_t)}).
     *
     * @throws InvalidFreeException if {@code address} is not a live block or {@code size} does not fit in it
     */
    public void free(long address, long size) {
        if (address == 0) {
            return;
        }
        long usable = Heap.usableSize(address);
        if (size < 0 || size > usable) {
            throw new InvalidFreeException(address, "sized free with " + size + " bytes, but the block holds "
                    + usable + " bytes");
        }
        free(address);
    }

    /**
     * Whether {@code address} is in memory lgmalloc manages (of any allocator): a page of small blocks, or the
     * start of a live large block. Cheap (two loads), so code that holds pointers of mixed origin can send each
     * free to the allocator that made it; it does not say the block is live, which {@link #free} checks.
     */
    public boolean owns(long address) {
        return Heap.owns(address);
    }

    /**
     * The number of usable bytes in the block at {@code address}: at least what was requested.
     *
     * @throws InvalidFreeException if {@code address} is not a live block
     */
    public long usableSize(long address) {
        return Heap.usableSize(address);
    }

    // ---------------------------------------------------------------- segments

    /** A segment of exactly {@code byteSize} bytes, aligned to 16, in the global scope; free it with {@link #free(MemorySegment)}. */
    public MemorySegment allocate(long byteSize) {
        return Memory.segment(malloc(byteSize), byteSize);
    }

    /**
     * A segment of exactly {@code byteSize} bytes aligned to {@code byteAlignment}, in the global scope; its
     * contents are unspecified. Free it with {@link #free(MemorySegment)}.
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return Memory.segment(alignedAlloc(byteAlignment, byteSize), byteSize);
    }

    /**
     * {@link #allocate(long)} for a call site predicted to request sizes of class {@code sizeClass}; see
     * {@link #mallocPredicted}.
     */
    public MemorySegment allocatePredicted(long size, int sizeClass) {
        return Memory.segment(mallocPredicted(size, sizeClass), size);
    }

    /**
     * Frees the block behind a segment from {@link #allocate(long, long)} (not one from an {@link LgArena}).
     *
     * @throws InvalidFreeException if the segment does not start at a live block
     */
    public void free(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("not a native segment: " + segment);
        }
        if (!segment.scope().equals(GLOBAL_SCOPE)) {
            // An arena's segment: its arena frees it at close, and freeing it here too would let the next malloc
            // hand out memory the arena still reaches and later frees again.
            throw new InvalidFreeException(segment.address(), "the segment belongs to an arena, which frees it when "
                    + "it closes; only global-scope segments from allocate() are freed one by one");
        }
        free(segment.address());
    }

    private static final MemorySegment.Scope GLOBAL_SCOPE = java.lang.foreign.Arena.global().scope();

    // ---------------------------------------------------------------- management

    /** A snapshot of this allocator's memory: live, committed and reserved bytes, per class and per heap. */
    public AllocatorStatistics statistics() {
        return engine.statistics();
    }

    /**
     * What of this allocator's memory is resident now, by what holds it (class pages, extent pages, free chunks,
     * large blocks), as the kernel reports it. For diagnosis: it asks about every range mapped, so it takes time
     * in proportion to the memory the allocator holds (a few milliseconds per GiB).
     */
    public AllocatorResidency residency() {
        return engine.residency();
    }

    /**
     * Reclaims what can be reclaimed now instead of after the purge delay: heaps of ended threads, and free
     * memory (purged or unmapped). Like glibc's {@code malloc_trim}.
     */
    public void trim() {
        engine.maintain(true);
    }
}
