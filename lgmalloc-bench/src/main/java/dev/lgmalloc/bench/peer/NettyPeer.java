package dev.lgmalloc.bench.peer;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.Version;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.PlatformDependent;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Netty 4.2's direct-buffer allocators, in the configurations users meet:
 * <ul>
 *   <li>{@code netty-pooled}: {@link PooledByteBufAllocator} with its defaults, which give thread caches only to
 *       Netty's own {@code FastThreadLocalThread}s ({@code useCacheForAllThreads=false} since 4.1.75);</li>
 *   <li>{@code netty-pooled-cached}: the same with {@code useCacheForAllThreads=true}, Netty's documented
 *       setting when buffers are allocated from other threads;</li>
 *   <li>{@code netty-adaptive}: {@link AdaptiveByteBufAllocator}, 4.2's default, from plain threads (shared
 *       magazines);</li>
 *   <li>{@code netty-adaptive-ftl}: the adaptive allocator with {@code useCacheForNonEventLoopThreads=true} and
 *       workloads run on {@link FastThreadLocalThread}s, so each worker gets its thread-local magazine as an event
 *       loop would.</li>
 * </ul>
 * Netty hands out {@link ByteBuf} objects, so this adapter keeps each buffer in a map keyed by its memory address.
 */
final class NettyPeer implements PeerAllocator {

    /** The Netty configurations, by peer name. */
    enum Kind {
        POOLED("netty-pooled"), POOLED_CACHED("netty-pooled-cached"), ADAPTIVE("netty-adaptive"),
        ADAPTIVE_FTL("netty-adaptive-ftl");

        final String peerName;

        Kind(String peerName) {
            this.peerName = peerName;
        }
    }

    private final Kind kind;
    private final ByteBufAllocator allocator;
    private final ConcurrentHashMap<Long, ByteBuf> buffers = new ConcurrentHashMap<>();

    NettyPeer(Kind kind) {
        this.kind = kind;
        this.allocator = switch (kind) {
            case POOLED -> new PooledByteBufAllocator(true);
            case POOLED_CACHED -> new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
                    PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
                    PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                    PooledByteBufAllocator.defaultNormalCacheSize(), true);
            case ADAPTIVE -> new AdaptiveByteBufAllocator(true, false);
            case ADAPTIVE_FTL -> new AdaptiveByteBufAllocator(true, true);
        };
    }

    @Override
    public String name() {
        return kind.peerName;
    }

    @Override
    public long malloc(long size) {
        // A zero-capacity request would return Netty's shared empty buffer; ask for one byte instead.
        ByteBuf buffer = allocator.directBuffer(capacity(Math.max(size, 1)), Integer.MAX_VALUE);
        long address = addressOf(buffer);
        buffers.put(address, buffer);
        return address;
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            return;
        }
        ByteBuf buffer = buffers.remove(address);
        if (buffer == null) {
            throw new IllegalArgumentException(name() + ": free of an address it did not allocate: " + address);
        }
        buffer.release();
    }

    @Override
    public long realloc(long address, long newSize) {
        if (address == 0) {
            return malloc(newSize);
        }
        ByteBuf buffer = buffers.remove(address);
        if (buffer == null) {
            throw new IllegalArgumentException(name() + ": realloc of an address it did not allocate: " + address);
        }
        buffer.capacity(capacity(Math.max(newSize, 1)));   // Netty's realloc: moves and copies when it must
        long moved = addressOf(buffer);
        buffers.put(moved, buffer);
        return moved;
    }

    @Override
    public Thread newThread(Runnable task, String name) {
        return kind == Kind.ADAPTIVE_FTL ? new FastThreadLocalThread(task, name)
                : PeerAllocator.super.newThread(task, name);
    }

    @Override
    public String releaseFreeMemory() {
        if (allocator instanceof PooledByteBufAllocator pooled) {
            pooled.trimCurrentThreadCache();
            return "trimCurrentThreadCache() (Netty has no call that returns pooled chunks)";
        }
        return "";
    }

    @Override
    public String version() {
        Version version = Version.identify().get("netty-buffer");
        return version == null ? "unknown" : version.artifactVersion();
    }

    @Override
    public String notes() {
        String config = switch (kind) {
            case POOLED -> "PooledByteBufAllocator defaults (no thread cache for non-Netty threads)";
            case POOLED_CACHED -> "PooledByteBufAllocator, useCacheForAllThreads=true";
            case ADAPTIVE -> "AdaptiveByteBufAllocator defaults (shared magazines for non-event-loop threads)";
            case ADAPTIVE_FTL -> "AdaptiveByteBufAllocator, useCacheForNonEventLoopThreads=true, "
                    + "workers are FastThreadLocalThreads";
        };
        return config + "; direct buffers; Unsafe " + (PlatformDependent.hasUnsafe() ? "on" : "off")
                + "; leak detection disabled; the adapter maps address -> ByteBuf in a ConcurrentHashMap";
    }

    private static int capacity(long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("Netty buffers hold at most 2 GiB; asked for " + size);
        }
        return (int) size;
    }

    private static long addressOf(ByteBuf buffer) {
        if (buffer.hasMemoryAddress()) {
            return buffer.memoryAddress();
        }
        // Without Unsafe Netty does not expose addresses; its NIO view of the memory gives it.
        return MemorySegment.ofBuffer(buffer.nioBuffer(0, buffer.capacity())).address();
    }
}
