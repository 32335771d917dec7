package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An allocator that is fast because it is wrong: a bump pointer over a ring of memory that never really frees,
 * hands a block out a second time on the 2nd call and about every 50th after it (the 2nd, so that even a
 * workload with few blocks meets it), and "reallocates" without copying. The workloads must catch it.
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
        // Count only calls that have a block to repeat: with two threads, the call numbered 2 can otherwise run
        // before call 1 has stored its block, and hand out address 0 instead of a duplicate.
        long previous = last;
        if (previous != 0 && calls.incrementAndGet() % 50 == 1) {
            return previous;   // the same block again, to a second owner
        }
        long offset = next.getAndAdd((size + 15) & ~15L) % RING;
        long address = memory.address() + offset;
        last = address;
        return address;
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
