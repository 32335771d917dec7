package dev.lgmalloc.bench.peer;

import java.lang.foreign.SymbolLookup;

/** A native allocator reached through FFM downcalls, plain or {@code critical} (no thread-state transition). */
final class NativePeer implements PeerAllocator {

    private final NativeLibrary library;
    private final boolean critical;
    private final SymbolLookup lookup;

    NativePeer(NativeLibrary library, boolean critical) {
        this.library = library;
        this.critical = critical;
        this.lookup = NativeCalls.bind(library, critical);
    }

    @Override
    public String name() {
        return library.displayName() + (critical ? "-critical" : "");
    }

    @Override
    public long malloc(long size) {
        long address = NativeCalls.malloc(size);
        if (address == 0) {
            throw new OutOfMemoryError(name() + ": malloc(" + size + ") returned NULL");
        }
        return address;
    }

    @Override
    public void free(long address) {
        NativeCalls.free(address);
    }

    @Override
    public long realloc(long address, long newSize) {
        long moved = NativeCalls.realloc(address, newSize);
        if (moved == 0 && newSize != 0) {
            throw new OutOfMemoryError(name() + ": realloc(" + newSize + ") returned NULL");
        }
        return moved;
    }

    @Override
    public String releaseFreeMemory() {
        return library.releaseFreeMemory(lookup);
    }

    @Override
    public String version() {
        return library.version(lookup);
    }

    @Override
    public String notes() {
        String how = library == NativeLibrary.GLIBC ? "the process's malloc"
                : library.path() + ", symbols " + library.mallocSymbol + "/" + library.freeSymbol + "/"
                        + library.reallocSymbol;
        String preloaded = library != NativeLibrary.GLIBC && library.isProcessMalloc(lookup)
                ? ", preloaded (also the JVM's own malloc)" : "";
        return how + preloaded + (critical ? ", Linker.Option.critical(false) downcalls" : ", plain FFM downcalls");
    }
}
