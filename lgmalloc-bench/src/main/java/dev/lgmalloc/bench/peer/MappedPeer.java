package dev.lgmalloc.bench.peer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A peer with the same address map the Netty and JDK-arena adapters keep (address to an object per live block),
 * to show what that map alone costs in each workload: compare {@code glibc-critical-mapped} with
 * {@code glibc-critical}.
 */
final class MappedPeer implements PeerAllocator {

    private final PeerAllocator inner;
    private final ConcurrentHashMap<Long, Object> objects = new ConcurrentHashMap<>();

    MappedPeer(PeerAllocator inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name() + "-mapped";
    }

    @Override
    public long malloc(long size) {
        long address = inner.malloc(size);
        objects.put(address, new Object());   // stands for the ByteBuf or Arena an adapter would keep
        return address;
    }

    @Override
    public void free(long address) {
        if (address != 0 && objects.remove(address) == null) {
            throw new IllegalArgumentException(name() + ": free of an address it did not allocate: " + address);
        }
        inner.free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        if (address != 0) {
            objects.remove(address);
        }
        long moved = inner.realloc(address, newSize);
        if (moved != 0) {
            objects.put(moved, new Object());
        }
        return moved;
    }

    @Override
    public String releaseFreeMemory() {
        return inner.releaseFreeMemory();
    }

    @Override
    public String version() {
        return inner.version();
    }

    @Override
    public String notes() {
        return inner.notes() + "; plus the adapters' address map (ConcurrentHashMap, one object per live block), "
                + "to measure what the map costs the Netty and arena peers";
    }
}
