package dev.lgmalloc;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An {@link Arena} whose segments come from lgmalloc: {@link #close()} frees them all at once and makes them
 * inaccessible, with the FFM lifetime checks of the JDK's own arenas (a closed segment throws
 * {@link IllegalStateException}). As the {@code Arena} contract requires, allocated memory is zeroed.
 *
 * <p>A confined arena may be used and closed only by the thread that created it; a shared arena by any thread
 * (closing a shared arena costs a JDK handshake with all threads, as {@code Arena.ofShared()} does).
 */
public final class LgArena implements Arena {

    /**
     * Bytes of the chunk an arena carves its small segments from. Most arenas hold a few small structs (an arena
     * per native call, as jextract's bindings use them): one chunk serves them all, and the chunk a closed arena
     * leaves behind is kept zeroed for the thread's next arena, so such a call costs neither a malloc nor a free
     * nor a zeroing of each segment.
     */
    static final long CHUNK_SIZE = 512;
    /** Larger requests get blocks of their own, so a chunk never wastes more than this much of its tail. */
    private static final long MAX_CARVED = CHUNK_SIZE / 4;

    private final Allocator allocator;
    private final Arena lifetime;     // a JDK arena that only provides the scope; it never allocates
    private final Thread owner;       // null when shared
    private final long byteLimit;     // 0: none
    private long firstChunk;          // the chunk handed back for reuse at close; 0 while none
    private long firstChunkUsed = -1; // its bytes carved, once the arena moved on to another chunk
    private long cursor;              // next free byte of the current chunk; 0 before the first
    private long chunkEnd;
    private long[] blocks;            // later chunks and own blocks, freed at close; null while none
    private int blockCount;
    private long allocatedBytes;

    private LgArena(Allocator allocator, Arena lifetime, Thread owner, long byteLimit) {
        if (byteLimit < 0) {
            lifetime.close();
            throw new IllegalArgumentException("arena byte limit must be 0 (none) or positive: " + byteLimit);
        }
        this.allocator = allocator;
        this.lifetime = lifetime;
        this.owner = owner;
        this.byteLimit = byteLimit;
    }

    /** A confined arena of the process-wide allocator. */
    public static LgArena ofConfined() {
        return ofConfined(LgMalloc.allocator());
    }

    /** A shared arena of the process-wide allocator. */
    public static LgArena ofShared() {
        return ofShared(LgMalloc.allocator());
    }

    /** A confined arena allocating from {@code allocator}. */
    public static LgArena ofConfined(Allocator allocator) {
        return ofConfined(allocator, 0);
    }

    /** A shared arena allocating from {@code allocator}. */
    public static LgArena ofShared(Allocator allocator) {
        return ofShared(allocator, 0);
    }

    /**
     * A confined arena that refuses to hold more than {@code byteLimit} requested bytes at once (0: no limit),
     * like Arrow's {@code RootAllocator(limit)}: beyond it, {@code allocate} throws {@link OutOfMemoryError}.
     */
    public static LgArena ofConfined(Allocator allocator, long byteLimit) {
        return new LgArena(allocator, Arena.ofConfined(), Thread.currentThread(), byteLimit);
    }

    /** A shared arena with a byte limit; see {@link #ofConfined(Allocator, long)}. */
    public static LgArena ofShared(Allocator allocator, long byteLimit) {
        return new LgArena(allocator, Arena.ofShared(), null, byteLimit);
    }

    /** The bytes requested from this arena so far (they are all freed at close). */
    public long allocatedBytes() {
        if (owner != null) {
            return allocatedBytes;
        }
        synchronized (this) {
            return allocatedBytes;
        }
    }

    /**
     * A zeroed segment of {@code byteSize} bytes aligned to {@code byteAlignment}, alive until this arena closes.
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative or the alignment is not a power of two
     * @throws IllegalStateException    if the arena is closed
     * @throws WrongThreadException     if the arena is confined to another thread
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (owner != null) {
            checkOwner();
            return allocateLocked(byteSize, byteAlignment, true);
        }
        synchronized (this) {
            return allocateLocked(byteSize, byteAlignment, true);
        }
    }

    /** Carved segments are zero already (chunks are zeroed when taken); only an own block may need zeroing. */
    private MemorySegment allocateLocked(long byteSize, long byteAlignment, boolean zeroed) {
        if (!lifetime.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        if (byteSize < 0) {
            throw new IllegalArgumentException("Invalid allocation size : " + byteSize);
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("Invalid alignment constraint : " + byteAlignment);
        }
        if (byteLimit > 0 && byteSize > byteLimit - allocatedBytes) {
            throw new OutOfMemoryError("LgArena limit of " + byteLimit + " bytes exceeded: " + allocatedBytes
                    + " bytes allocated, " + byteSize + " more requested");
        }
        long taken = Math.max(byteSize, 1);         // zero-length segments get distinct addresses, as the JDK's do
        long address = (cursor + byteAlignment - 1) & -byteAlignment;
        if (cursor != 0 && taken <= chunkEnd - address) {
            cursor = address + taken;
        } else if (taken <= MAX_CARVED && byteAlignment <= MAX_CARVED) {
            address = carveFromNewChunk(taken, byteAlignment);
        } else {
            address = zeroed ? allocator.alignedCalloc(byteAlignment, taken)
                    : allocator.alignedAlloc(byteAlignment, taken);
            remember(address);
        }
        allocatedBytes += byteSize;
        return MemorySegment.ofAddress(address).reinterpret(byteSize, lifetime, null);
    }

    private long carveFromNewChunk(long taken, long byteAlignment) {
        long chunk;
        if (firstChunk == 0) {
            chunk = allocator.takeArenaChunk(CHUNK_SIZE);
            firstChunk = chunk;
        } else {
            if (firstChunkUsed < 0) {
                firstChunkUsed = cursor - firstChunk;
            }
            chunk = allocator.takeArenaChunk(CHUNK_SIZE);
            remember(chunk);
        }
        long address = (chunk + byteAlignment - 1) & -byteAlignment;
        cursor = address + taken;
        chunkEnd = chunk + CHUNK_SIZE;
        return address;
    }

    private void remember(long block) {
        if (blocks == null) {
            blocks = new long[4];
        } else if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blockCount * 2);
        }
        blocks[blockCount++] = block;
    }

    /** A segment whose every byte the caller overwrites at once: no zeroing first (the JDK's arenas do the same). */
    private MemorySegment allocateUninitialized(long byteSize, long byteAlignment) {
        if (owner != null) {
            checkOwner();
            return allocateLocked(byteSize, byteAlignment, false);
        }
        synchronized (this) {
            return allocateLocked(byteSize, byteAlignment, false);
        }
    }

    private MemorySegment allocateUninitialized(MemoryLayout layout) {
        return allocateUninitialized(layout.byteSize(), layout.byteAlignment());
    }

    // The allocateFrom methods fill what they allocate, so none of them zeroes first. SegmentAllocator's defaults
    // skip the zeroing only for the JDK's own arenas; any other arena would zero and then copy.

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfByte layout, byte value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfChar layout, char value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfShort layout, short value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfInt layout, int value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfFloat layout, float value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfLong layout, long value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(ValueLayout.OfDouble layout, double value) {
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    @Override
    public MemorySegment allocateFrom(AddressLayout layout, MemorySegment value) {
        Objects.requireNonNull(value);
        MemorySegment s = allocateUninitialized(layout);
        s.set(layout, 0, value);
        return s;
    }

    /** Every array form of {@code allocateFrom} comes here. */
    @Override
    public MemorySegment allocateFrom(ValueLayout elementLayout, MemorySegment source, ValueLayout sourceElementLayout,
                                      long sourceOffset, long elementCount) {
        Objects.requireNonNull(source);
        Objects.requireNonNull(sourceElementLayout);
        if (elementLayout.byteSize() != sourceElementLayout.byteSize()) {
            throw new IllegalArgumentException("Source and target layouts must have same size");
        }
        if (sourceOffset < 0 || elementCount < 0) {
            throw new IllegalArgumentException("Negative offset or count: " + sourceOffset + ", " + elementCount);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elementLayout.byteSize(), elementCount);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("Size overflow: " + elementCount + " elements of " + elementLayout);
        }
        MemorySegment dest = allocateUninitialized(bytes, elementLayout.byteAlignment());
        MemorySegment.copy(source, sourceElementLayout, sourceOffset, dest, elementLayout, 0, elementCount);
        return dest;
    }

    @Override
    public MemorySegment allocateFrom(String str, Charset charset) {
        Objects.requireNonNull(str);
        // Charsets whose terminator is one zero byte; the JDK's default handles the others (UTF-16, UTF-32).
        if (!charset.equals(StandardCharsets.UTF_8) && !charset.equals(StandardCharsets.US_ASCII)
                && !charset.equals(StandardCharsets.ISO_8859_1)) {
            return Arena.super.allocateFrom(str, charset);
        }
        byte[] bytes = str.getBytes(charset);
        MemorySegment s = allocateUninitialized(bytes.length + 1L, 1);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        s.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return s;
    }

    @Override
    public MemorySegment.Scope scope() {
        return lifetime.scope();
    }

    /**
     * Frees every segment of this arena; they become inaccessible.
     *
     * @throws IllegalStateException if already closed
     * @throws WrongThreadException  if the arena is confined to another thread
     */
    @Override
    public void close() {
        if (owner != null) {
            checkOwner();
            closeLocked();
            return;
        }
        synchronized (this) {
            closeLocked();
        }
    }

    private void closeLocked() {
        lifetime.close();     // throws if already closed; invalidates every segment first
        if (firstChunk != 0) {
            long used = firstChunkUsed >= 0 ? firstChunkUsed : cursor - firstChunk;
            allocator.returnArenaChunk(firstChunk, used);
        }
        for (int i = 0; i < blockCount; i++) {
            allocator.free(blocks[i]);
        }
        firstChunk = 0;
        blocks = null;
        blockCount = 0;
        cursor = 0;
        chunkEnd = 0;
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
    }
}
