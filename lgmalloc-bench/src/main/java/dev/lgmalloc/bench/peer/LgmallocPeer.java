package dev.lgmalloc.bench.peer;

import dev.lgmalloc.LgMalloc;

/** lgmalloc's process-wide allocator through its static API, with its default configuration and checks. */
final class LgmallocPeer implements PeerAllocator {

    @Override
    public String name() {
        return "lgmalloc";
    }

    @Override
    public long malloc(long size) {
        return LgMalloc.malloc(size);
    }

    @Override
    public void free(long address) {
        LgMalloc.free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        return LgMalloc.realloc(address, newSize);
    }

    @Override
    public String releaseFreeMemory() {
        LgMalloc.trim();
        return "LgMalloc.trim()";
    }

    @Override
    public String version() {
        String version = LgMalloc.class.getPackage().getImplementationVersion();
        return version == null ? "source build" : version;
    }

    @Override
    public String notes() {
        return "default configuration (free checks on, no predicted plan)";
    }
}
