package dev.lgmalloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JDK's own way: one {@link Arena} per allocation ({@code ofConfined} or {@code ofShared}), closed to free it.
 * In JDK 25 that is {@code Unsafe.allocateMemory} (glibc malloc) plus zeroing plus a cleanup action; a shared
 * arena's close also performs a handshake with every thread.
 *
 * <p>An arena is an object, not an address, so this adapter keeps each block's arena in a map keyed by address;
 * the map costs a few tens of nanoseconds and some Java heap per block, which the notes say.
 */
final class ArenaPeer implements PeerAllocator {

    private final boolean shared;
    private final ConcurrentHashMap<Long, Block> blocks = new ConcurrentHashMap<>();

    private record Block(Arena arena, MemorySegment segment) {
    }

    ArenaPeer(boolean shared) {
        this.shared = shared;
    }

    @Override
    public String name() {
        return shared ? "arena-shared" : "arena-confined";
    }

    @Override
    public long malloc(long size) {
        Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
        MemorySegment segment = arena.allocate(Math.max(size, 1), 16);
        blocks.put(segment.address(), new Block(arena, segment));
        return segment.address();
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        Block block = blocks.remove(address);
        if (block == null) {
            throw new IllegalArgumentException(name() + ": free of an address it did not allocate: " + address);
        }
        block.arena().close();
    }

    @Override
    public long realloc(long address, long newSize) {
        if (address == 0) {
            return malloc(newSize);
        }
        Block old = blocks.get(address);
        if (old == null) {
            throw new IllegalArgumentException(name() + ": realloc of an address it did not allocate: " + address);
        }
        long moved = malloc(newSize);
        MemorySegment.copy(old.segment(), 0, blocks.get(moved).segment(), 0,
                Math.min(old.segment().byteSize(), newSize));
        free(address);
        return moved;
    }

    @Override
    public boolean freesFromAnyThread() {
        return shared;
    }

    @Override
    public String version() {
        return "JDK " + Runtime.version();
    }

    @Override
    public String notes() {
        return "one Arena." + (shared ? "ofShared()" : "ofConfined()") + " per block (zeroed); "
                + "the adapter maps address -> arena in a ConcurrentHashMap"
                + (shared ? "; every close is a handshake with all threads" : "; cannot free across threads");
    }
}
