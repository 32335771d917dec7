package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An allocator that is fast because it is wrong: a bump pointer over a ring of memory that never really frees,
 * hands the 2nd, 52nd, 102nd... block out a second time (the 2nd, so that even a workload with few blocks
 * meets it), and "reallocates" without copying. The workloads must catch it.
 */
final class BrokenAllocator implements PeerAllocator {

    private static final long RING = 64L << 20;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory = arena.allocate(RING + (1 << 20), 16);
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private volatile long last;

    @Override
    public String name() {
        return "broken";
    }

    @Override
    public long malloc(long size) {
        if (calls.incrementAndGet() % 50 == 2) {
            return last;   // the same block again, to a second owner
        }
        long offset = next.getAndAdd((size + 15) & ~15L) % RING;
        last = memory.address() + offset;
        return last;
    }

    @Override
    public void free(long address) {
    }

    @Override
    public long realloc(long address, long newSize) {
        return malloc(newSize);   // forgets to copy
    }

    @Override
    public String version() {
        return "test";
    }

    @Override
    public String notes() {
        return "deliberately broken";
    }

    @Override
    public void close() {
        arena.close();
    }
}
