package dev.lgmalloc.bench.peer;

import dev.lgmalloc.LgMalloc;

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
