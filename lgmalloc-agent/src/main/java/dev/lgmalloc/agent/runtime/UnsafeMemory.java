package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgMalloc;
import sun.misc.Unsafe;

/**
 * What a rewritten {@code sun.misc.Unsafe} memory call runs instead (transparent mode): the agent replaces
 * {@code invokevirtual Unsafe.allocateMemory(J)J} by {@code invokestatic UnsafeMemory.allocateMemory(Unsafe, J)J},
 * and likewise for {@code reallocateMemory} and {@code freeMemory}. The receiver stays on the stack as the first
 * argument, so the rewrite changes one instruction of the same length and nothing else.
 *
 * <p>Ownership-aware: memory lgmalloc did not hand out (from a class that was not rewritten, a
 * {@code MethodHandle} or reflective call, JNI, the JDK) is freed and resized by the original {@code Unsafe}
 * method, so a program mixing both never passes a pointer to the wrong allocator. The contract is
 * {@code Unsafe}'s: a negative size is an {@link IllegalArgumentException}, zero bytes allocate nothing and
 * return 0, address 0 is ignored by free and allocates in realloc, contents are not initialised, and exhaustion
 * is an {@link OutOfMemoryError}. Blocks are 16-byte aligned (Unsafe promises 8).
 *
 * <p>On a virtual thread a new block is lgmalloc's when virtual threads use their carriers' heaps (the agent
 * lets them, {@link dev.lgmalloc.Allocator#carrierHeaps()}): there the 64-byte pair is level with the original's
 * (glibc, whose cache is the carrier's). Without carrier heaps it is the original's: a stripe heap per call cost
 * 41-52 ns against the original's 26-35 ({@code TransparentBenchmark.unsafeAllocateFree} on JMH's virtual
 * executor, docs/BENCHMARKS.md). Freeing and resizing stay ownership-aware, so a block may be allocated on one
 * kind of thread and freed on the other.
 */
@SuppressWarnings("removal") // the deprecated Unsafe memory methods are what this replaces
public final class UnsafeMemory {

    private UnsafeMemory() {
    }

    /** Whether a virtual thread's new block is lgmalloc's too (read once: the agent's export comes first). */
    private static final boolean ON_VIRTUAL_THREADS = LgMalloc.allocator().carrierHeaps();

    /** {@link Unsafe#allocateMemory(long)} on lgmalloc (on a virtual thread without carrier heaps, the original). */
    public static long allocateMemory(Unsafe unsafe, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        if (!ON_VIRTUAL_THREADS && Thread.currentThread().isVirtual()) {
            return unsafe.allocateMemory(bytes);
        }
        return bytes == 0 ? 0 : LgMalloc.malloc(bytes);
    }

    /**
     * {@link #allocateMemory} for a call site whose size the agent predicted: the class's fast path. A request the
     * class does not fit (a wrong prediction) takes the general path, so a prediction costs speed, never
     * correctness.
     */
    public static long allocateMemoryPredicted(Unsafe unsafe, long bytes, int sizeClass) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        if (!ON_VIRTUAL_THREADS && Thread.currentThread().isVirtual()) {
            return unsafe.allocateMemory(bytes);
        }
        return bytes == 0 ? 0 : LgMalloc.mallocPredicted(bytes, sizeClass);
    }

    /** {@link Unsafe#reallocateMemory(long, long)}: on lgmalloc for its own blocks, else the original. */
    public static long reallocateMemory(Unsafe unsafe, long address, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        if (address == 0) {
            return allocateMemory(unsafe, bytes);
        }
        if (!LgMalloc.owns(address)) {
            return unsafe.reallocateMemory(address, bytes);
        }
        if (bytes == 0) {
            LgMalloc.free(address);
            return 0;
        }
        return LgMalloc.realloc(address, bytes);
    }

    /** {@link Unsafe#freeMemory(long)}: on lgmalloc for its own blocks, else the original. */
    public static void freeMemory(Unsafe unsafe, long address) {
        if (address != 0 && !LgMalloc.freeIfOwned(address)) {
            unsafe.freeMemory(address);
        }
    }
}
