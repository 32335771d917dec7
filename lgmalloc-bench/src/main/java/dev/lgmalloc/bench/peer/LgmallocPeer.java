package dev.lgmalloc.bench.peer;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.SizeClasses;

/**
 * lgmalloc's process-wide allocator through its static API, with its default configuration and checks, or as
 * configured by lgmalloc's agent in the JVM that measures it (the predictor's plan).
 */
final class LgmallocPeer implements PeerAllocator {

    private final String name;
    private final String notes;

    LgmallocPeer(String name, String notes) {
        this.name = name;
        this.notes = notes;
        // Start the allocator before anything is measured, as a native peer loads its library and links its
        // downcalls when it is created: a small block starts the heaps, a block above the largest class gets a
        // mapping of its own, which links the system calls (otherwise linked by the maintenance thread, inside
        // the first measured run: 15 MiB of resident memory in a fresh JVM).
        LgMalloc.free(LgMalloc.malloc(64));
        LgMalloc.free(LgMalloc.malloc(2L * SizeClasses.MAX_SMALL_SIZE));
        LgMalloc.trim();
    }

    @Override
    public String name() {
        return name;
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
        return notes;
    }
}
