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

    private final Allocator allocator;
    private final Arena lifetime;     // a JDK arena that only provides the scope; it never allocates
    private final Thread owner;       // null when shared
    private final long byteLimit;     // 0: none
    private long[] blocks = new long[4];        // most arenas hold a few blocks (an arena per native call)
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
            return allocateLocked(byteSize, byteAlignment);
        }
        synchronized (this) {
            return allocateLocked(byteSize, byteAlignment);
        }
    }

    private MemorySegment allocateLocked(long byteSize, long byteAlignment) {
        MemorySegment segment = allocateUninitializedLocked(byteSize, byteAlignment);
        segment.fill((byte) 0);
        return segment;
    }

    private MemorySegment allocateUninitializedLocked(long byteSize, long byteAlignment) {
        if (!lifetime.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        if (byteSize < 0) {
            throw new IllegalArgumentException("Invalid allocation size : " + byteSize);
        }
        if (byteLimit > 0 && byteSize > byteLimit - allocatedBytes) {
            throw new OutOfMemoryError("LgArena limit of " + byteLimit + " bytes exceeded: " + allocatedBytes
                    + " bytes allocated, " + byteSize + " more requested");
        }
        long address = allocator.alignedAlloc(byteAlignment, byteSize);
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(byteSize, lifetime, null);
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blockCount * 2);
        }
        blocks[blockCount++] = address;
        allocatedBytes += byteSize;
        return segment;
    }

    /** A segment whose every byte the caller overwrites at once: no zeroing first (the JDK's arenas do the same). */
    private MemorySegment allocateUninitialized(long byteSize, long byteAlignment) {
        if (owner != null) {
            checkOwner();
            return allocateUninitializedLocked(byteSize, byteAlignment);
        }
        synchronized (this) {
            return allocateUninitializedLocked(byteSize, byteAlignment);
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
        for (int i = 0; i < blockCount; i++) {
            allocator.free(blocks[i]);
        }
        blockCount = 0;
        blocks = new long[0];
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
    }
}
