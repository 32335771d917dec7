package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgMalloc;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import sun.misc.Unsafe;

/**
 * What a rewritten {@code ByteBuffer.allocateDirect(int)} and {@code Unsafe.invokeCleaner(ByteBuffer)} run in
 * transparent mode.
 *
 * <p>A buffer is a view of a zeroed lgmalloc block in the global scope ({@code MemorySegment.asByteBuffer()}), so
 * every JDK channel takes it and {@code DirectBuffer.address()} works (a closeable shared scope would make that
 * throw). Its block is freed when the buffer becomes unreachable, through a {@link Cleaner} as the JDK's own
 * direct buffers are, or at once by {@code Unsafe.invokeCleaner}, which libraries such as Netty and Agrona call to
 * free early: on a segment's buffer the JDK's {@code invokeCleaner} is a silent no-op, so those calls are rewritten
 * too and free lgmalloc's buffers; any other buffer goes to the original method.
 *
 * <p>Back-pressure: the JDK counts direct buffers against {@code -XX:MaxDirectMemorySize} (by default the maximum
 * heap size) and, when full, runs the GC so unreachable buffers are freed before it gives up with
 * {@link OutOfMemoryError}. These buffers are counted against the same limit in the same way, in a count of their
 * own: they do not appear in the "direct" {@code BufferPoolMXBean} (their bytes are in lgmalloc's statistics).
 */
public final class DirectBuffers {

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "lgmalloc-direct-buffer-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final Map<Long, Owned> OWNED = new ConcurrentHashMap<>();
    private static final AtomicLong RESERVED = new AtomicLong();
    private static final AtomicLong COUNT = new AtomicLong();
    private static final long LIMIT = limit();

    /** A live buffer of this class: which object may free it, and how. */
    private record Owned(WeakReference<ByteBuffer> buffer, Cleaner.Cleanable cleanable) {
    }

    private DirectBuffers() {
    }

    /** The JDK's limit: {@code -XX:MaxDirectMemorySize} when given, else the maximum heap size. */
    private static long limit() {
        String given = System.getProperty("sun.nio.MaxDirectMemorySize");
        try {
            long value = given == null ? -1 : Long.parseLong(given);
            return value >= 0 ? value : Runtime.getRuntime().maxMemory();
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /** Replaces {@link ByteBuffer#allocateDirect(int)}: a zeroed buffer of lgmalloc memory, freed when unreachable. */
    public static ByteBuffer allocateDirect(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity < 0: (" + capacity + " < 0)");
        }
        reserve(capacity);
        MemorySegment block;
        try {
            block = LgMalloc.allocate(capacity);      // a global-scope segment of exactly this size
        } catch (OutOfMemoryError e) {
            unreserve(capacity);
            throw e;
        }
        block.fill((byte) 0);
        long address = block.address();
        ByteBuffer buffer = block.asByteBuffer();
        Free free = new Free(address, capacity);
        Owned owned = new Owned(new WeakReference<>(buffer), CLEANER.register(buffer, free));
        free.owned = owned;
        OWNED.put(address, owned);
        return buffer;
    }

    /**
     * Replaces {@code Unsafe.invokeCleaner(ByteBuffer)}: frees one of these buffers now (at most once), refuses a
     * duplicate or slice of one as the JDK does, and passes any other buffer to the original method.
     */
    @SuppressWarnings("removal")
    public static void invokeCleaner(Unsafe unsafe, ByteBuffer buffer) {
        if (buffer.isDirect()) {
            Owned owned = OWNED.get(MemorySegment.ofBuffer(buffer).address());
            if (owned != null) {
                if (owned.buffer().get() != buffer) {
                    throw new IllegalArgumentException("duplicate or slice");
                }
                owned.cleanable().clean();
                return;
            }
        }
        unsafe.invokeCleaner(buffer);
    }

    /** Buffers of this class alive now, and their bytes. */
    public static long count() {
        return COUNT.get();
    }

    public static long reservedBytes() {
        return RESERVED.get();
    }

    private static void reserve(long bytes) {
        if (tryReserve(bytes)) {
            return;
        }
        // As java.nio.Bits does: let the GC find unreachable buffers, then give their cleaner time to free them.
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
                + RESERVED.get() + " bytes in use, limit " + LIMIT + ")");
    }

    private static boolean tryReserve(long bytes) {
        while (true) {
            long now = RESERVED.get();
            if (bytes > LIMIT - now) {
                return false;
            }
            if (RESERVED.compareAndSet(now, now + bytes)) {
                COUNT.incrementAndGet();
                return true;
            }
        }
    }

    private static void unreserve(long bytes) {
        RESERVED.addAndGet(-bytes);
        COUNT.decrementAndGet();
    }

    /** Frees one buffer's block; runs once, from the cleaner thread or from invokeCleaner. Holds no buffer. */
    private static final class Free implements Runnable {
        private final long address;
        private final int capacity;
        volatile Owned owned;

        Free(long address, int capacity) {
            this.address = address;
            this.capacity = capacity;
        }

        @Override
        public void run() {
            OWNED.remove(address, owned);      // before the free: the address may be handed out again at once
            LgMalloc.free(address);
            unreserve(capacity);
        }
    }
}
