package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgMalloc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import sun.misc.Unsafe;

/**
 * What a rewritten {@code ByteBuffer.allocateDirect(int)} and {@code Unsafe.invokeCleaner(ByteBuffer)} run in
 * transparent mode.
 *
 * <p>A buffer is a view of zeroed lgmalloc memory ({@code MemorySegment.asByteBuffer()}), so every JDK channel
 * takes it and {@code DirectBuffer.address()} works. Small buffers (up to {@value #MAX_CARVED} bytes) are carved,
 * on each platform thread, from a {@value #SLAB_SIZE}-byte slab whose scope is an automatic arena: every buffer
 * holds that scope, so the garbage collector frees the slab once none of its buffers is reachable. The JDK pays a
 * {@code Cleaner} and a reference to process per buffer; this pays one per slab, which is where the speed comes
 * from. The price: one buffer that stays reachable keeps its whole slab (at most {@value #SLAB_SIZE} bytes).
 * Virtual threads carve from a few slabs they share under a lock (one each would let a million of them pin a
 * million slabs). Larger buffers get a block of their own, freed the same way.
 *
 * <p>Libraries such as Netty and Agrona free direct buffers early with {@code Unsafe.invokeCleaner}; on a
 * segment's buffer the JDK's method is a silent no-op, so those calls are rewritten too. They free an own block
 * at once; a slab's memory goes back once its carving thread moved on and every buffer carved from it was freed
 * this way (or became unreachable). A duplicate or slice is refused with the JDK's own check, and a second call on
 * a buffer does nothing, as in the JDK.
 *
 * <p>Back-pressure: the JDK counts direct buffers against {@code -XX:MaxDirectMemorySize} (by default the maximum
 * heap size) and, when full, runs the GC so unreachable buffers are freed before it gives up with
 * {@link OutOfMemoryError}. These buffers count their slabs and blocks against the same limit in the same way, in
 * a count of their own: they do not appear in the "direct" {@code BufferPoolMXBean} (their bytes are in
 * lgmalloc's statistics and in {@link #heldBytes()}).
 */
public final class DirectBuffers {

    /** Bytes of a slab; slabs are aligned to their size, so a buffer's address finds its slab. */
    public static final int SLAB_SIZE = 64 * 1024;
    /** The largest buffer carved from a slab: a slab holds at least 16 of them. */
    public static final int MAX_CARVED = 2048;
    private static final int GRANULE = 16;

    private static final int SLAB_SHIFT = Integer.numberOfTrailingZeros(SLAB_SIZE);

    private static final ThreadLocal<Carver> CARVERS = ThreadLocal.withInitial(Carver::new);
    /**
     * Virtual threads share a few carvers, each behind a lock: a slab per virtual thread would let a million of
     * them pin a million slabs, and a block (and a scope) per buffer is what the slabs are there to avoid.
     */
    private static final SharedCarver[] SHARED = sharedCarvers(2 * Runtime.getRuntime().availableProcessors());
    /**
     * Live slabs by their address, direct-mapped (2 GiB of address space before two slabs share a slot): freeing
     * a buffer early finds its slab without boxing a key. A slab whose slot is taken, and every own block, is in
     * {@link #BLOCKS}.
     */
    private static final AtomicReferenceArray<Block> SLABS = new AtomicReferenceArray<>(1 << 16);
    private static final Map<Long, Block> BLOCKS = new ConcurrentHashMap<>();
    private static final AtomicLong HELD_BYTES = new AtomicLong();
    private static final AtomicLong HELD_BLOCKS = new AtomicLong();
    private static final long LIMIT = limit();

    private DirectBuffers() {
    }

    /**
     * The JDK's limit: {@code -XX:MaxDirectMemorySize} when given, else the maximum heap size. The VM removes the
     * {@code sun.nio.MaxDirectMemorySize} property it once exposed, so the flag is read through the HotSpot
     * diagnostic bean (its value is 0 when the flag was not given).
     */
    private static long limit() {
        long given = 0;
        try {
            given = Long.parseLong(java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue());
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or no jdk.management: the default
        }
        return given > 0 ? given : Runtime.getRuntime().maxMemory();
    }

    /** Replaces {@link ByteBuffer#allocateDirect(int)}: a zeroed buffer of lgmalloc memory, freed when unreachable. */
    public static ByteBuffer allocateDirect(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity < 0: (" + capacity + " < 0)");
        }
        if (capacity <= MAX_CARVED) {
            Thread t = Thread.currentThread();
            if (!t.isVirtual()) {
                return CARVERS.get().carve(capacity);
            }
            SharedCarver shared = SHARED[(int) Math.floorMod(t.threadId(), (long) SHARED.length)];
            shared.lock.lock();
            try {
                return shared.carver.carve(capacity);
            } finally {
                shared.lock.unlock();
            }
        }
        // Zeroed by calloc: above the small classes that is a mapping of its own, zero without a write, so a
        // large buffer's pages become resident as the program uses them, not all at once as the JDK's do.
        return Block.open(Math.max(capacity, 1), false).register().asSlice(0, capacity).asByteBuffer();
    }

    /**
     * Replaces {@code Unsafe.invokeCleaner(ByteBuffer)}: frees one of these buffers (at most once), refuses a
     * duplicate or slice of one as the JDK does, and passes any other buffer to the original method.
     */
    @SuppressWarnings("removal")
    public static void invokeCleaner(Unsafe unsafe, ByteBuffer buffer) {
        long address = buffer.isDirect() ? MemorySegment.ofBuffer(buffer).address() : 0;
        Block block = address == 0 ? null : Block.holding(address);
        // The JDK's checks first: a view or a heap buffer is refused, a JDK buffer freed; on ours it does nothing.
        unsafe.invokeCleaner(buffer);
        if (block != null) {
            block.freeEarly(address);
        }
    }

    /** Slabs and own blocks of direct-buffer memory held now. */
    public static long heldBlocks() {
        return HELD_BLOCKS.get();
    }

    /** Bytes of those slabs and blocks: what counts against {@code -XX:MaxDirectMemorySize}. */
    public static long heldBytes() {
        return HELD_BYTES.get();
    }

    private record SharedCarver(java.util.concurrent.locks.ReentrantLock lock, Carver carver) {
    }

    private static SharedCarver[] sharedCarvers(int n) {
        SharedCarver[] all = new SharedCarver[n];
        for (int i = 0; i < n; i++) {
            all[i] = new SharedCarver(new java.util.concurrent.locks.ReentrantLock(), new Carver());
        }
        return all;
    }

    /**
     * A slab in use: a platform thread's own (only it carves from it, so carving takes no lock), or one that
     * virtual threads share under its lock.
     */
    private static final class Carver {
        private MemorySegment slab;
        private Block block;
        private long offset;

        ByteBuffer carve(int capacity) {
            long taken = Math.max(capacity + GRANULE - 1L, GRANULE) & -GRANULE;
            if (slab == null || taken > SLAB_SIZE - offset) {
                // A slab whose buffers were all freed early is reused as it is: no free, malloc or reservation.
                long reused = block == null ? 0 : block.retire();
                block = reused != 0 ? Block.reopen(reused) : Block.open(SLAB_SIZE, true);
                slab = block.register();
                offset = 0;
            }
            MemorySegment memory = slab.asSlice(offset, capacity);
            offset += taken;
            block.carved++;
            memory.fill((byte) 0);
            return memory.asByteBuffer();
        }
    }

    /**
     * One lgmalloc block holding buffers: a slab, or the block of one large buffer. It holds no segment and no
     * scope (that would keep the scope reachable): the buffers hold the scope, the scope's cleanup holds this.
     */
    private static final class Block {
        private final long base;
        private final long size;
        private final boolean slab;
        private final long[] freedEarly;      // one bit per granule: buffers freed by invokeCleaner
        /** Buffers carved; written by the carving thread only, read by others once {@link #retired}. */
        int carved;
        private int freedCount;
        private boolean retired;              // no more buffers will be carved
        private boolean released;

        private Block(long base, long size, boolean slab) {
            this.base = base;
            this.size = size;
            this.slab = slab;
            this.freedEarly = new long[(int) (((size + GRANULE - 1) / GRANULE + 63) / 64)];
            if (!slab) {
                carved = 1;
                retired = true;
            }
        }

        /** A new block of {@code size} bytes, reserved against the budget; see {@link #register}. */
        static Block open(long size, boolean slab) {
            reserve(size);
            long base;
            try {
                base = slab ? LgMalloc.alignedAlloc(SLAB_SIZE, SLAB_SIZE) : LgMalloc.calloc(1, size);
            } catch (OutOfMemoryError e) {
                unreserve(size);
                throw e;
            }
            return new Block(base, size, slab);
        }

        /** A new slab over the memory of a retired one, whose reservation it takes over. */
        static Block reopen(long base) {
            return new Block(base, SLAB_SIZE, true);
        }

        /**
         * Makes the block findable by address and returns its memory, zeroed on use, in an automatic scope whose
         * cleanup releases it. Call once. The scope's cleanup holds the block, never the segment: the buffers
         * alone keep the scope reachable.
         */
        MemorySegment register() {
            if (!slab || !SLABS.compareAndSet(slot(base), null, this)) {
                BLOCKS.put(base, this);
            }
            return MemorySegment.ofAddress(base).reinterpret(size, Arena.ofAuto(), unused -> releaseByGc());
        }

        private static int slot(long address) {
            return (int) (address >>> SLAB_SHIFT) & (SLABS.length() - 1);
        }

        /** The live block holding {@code address}: its own block, or the slab it was carved from; null if none. */
        static Block holding(long address) {
            Block slab = SLABS.get(slot(address));
            if (slab != null && slab.contains(address)) {
                return slab;
            }
            Block block = BLOCKS.get(address);
            if (block == null) {
                block = BLOCKS.get(address & -SLAB_SIZE);
            }
            return block != null && block.contains(address) ? block : null;
        }

        private boolean contains(long address) {
            return Long.compareUnsigned(address - base, size) < 0;
        }

        synchronized void freeEarly(long address) {
            int granule = (int) ((address - base) / GRANULE);
            long bit = 1L << granule;
            if (released || (freedEarly[granule >>> 6] & bit) != 0) {
                return;                                   // freed already: a second call does nothing
            }
            freedEarly[granule >>> 6] |= bit;
            freedCount++;
            if (retired && freedCount == carved) {
                release();
            }
        }

        /**
         * No more buffers will be carved (the carving thread moved on). When every buffer was freed early, the
         * memory is handed back to the caller to carve again (its address; the block is released without freeing
         * it); otherwise 0, and the block goes back with its last buffer.
         */
        synchronized long retire() {
            retired = true;
            if (!released && freedCount == carved) {
                released = true;
                unregister();
                return base;
            }
            return 0;
        }

        /** Runs on the JDK's cleaner thread once no buffer of this block is reachable. */
        synchronized void releaseByGc() {
            if (!released) {
                release();
            }
        }

        private void release() {
            released = true;
            unregister();                       // before the free: the address may be handed out again at once
            LgMalloc.free(base);
            unreserve(size);
        }

        private void unregister() {
            if (!SLABS.compareAndSet(slot(base), this, null)) {
                BLOCKS.remove(base, this);
            }
        }
    }

    private static void reserve(long bytes) {
        if (tryReserve(bytes)) {
            return;
        }
        // As java.nio.Bits does: let the GC find unreachable buffers, then give their cleanups time to run.
        System.gc();
        for (int i = 0; i < 10; i++) {
            if (tryReserve(bytes)) {
                return;
            }
            try {
                Thread.sleep(1L << i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new OutOfMemoryError("Cannot reserve " + bytes + " bytes of direct buffer memory (lgmalloc: "
                + HELD_BYTES.get() + " bytes in use, limit " + LIMIT + ")");
    }

    private static boolean tryReserve(long bytes) {
        while (true) {
            long now = HELD_BYTES.get();
            if (bytes > LIMIT - now) {
                return false;
            }
            if (HELD_BYTES.compareAndSet(now, now + bytes)) {
                HELD_BLOCKS.incrementAndGet();
                return true;
            }
        }
    }

    private static void unreserve(long bytes) {
        HELD_BYTES.addAndGet(-bytes);
        HELD_BLOCKS.decrementAndGet();
    }
}
