package dev.lgmalloc.bench.peer;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;

/**
 * An lgmalloc {@link Allocator} instance of a given configuration, so that a plan's configuration and the
 * default one can be measured side by side in one JVM (the process-wide allocator is configured once).
 */
public final class AllocatorPeer implements PeerAllocator {

    private final String name;
    private final Allocator allocator;

    public AllocatorPeer(String name, AllocatorConfiguration configuration) {
        this.name = name;
        this.allocator = Allocator.create(configuration);
    }

    public Allocator allocator() {
        return allocator;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long malloc(long size) {
        return allocator.malloc(size);
    }

    @Override
    public void free(long address) {
        allocator.free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        return allocator.realloc(address, newSize);
    }

    @Override
    public String releaseFreeMemory() {
        allocator.trim();
        return "Allocator.trim()";
    }

    @Override
    public long committedBytes() {
        return allocator.statistics().committedBytes();
    }

    @Override
    public String version() {
        String version = Allocator.class.getPackage().getImplementationVersion();
        return version == null ? "source build" : version;
    }

    @Override
    public String notes() {
        return "an Allocator instance: " + allocator.configuration();
    }
}
