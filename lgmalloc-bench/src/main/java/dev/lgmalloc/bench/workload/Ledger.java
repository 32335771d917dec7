package dev.lgmalloc.bench.workload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's account of the blocks it allocated and freed: counts, bytes and the sum of their tokens. Summed
 * over all threads at the end, every block allocated must have been freed once, intact.
 *
 * <p>Only its thread writes a ledger. Byte counts are written with opaque stores (plain moves on x86) so that the
 * sampler thread sees the live bytes without slowing the workload with fences.
 */
public final class Ledger {

    private static final VarHandle ALLOCATED_BYTES;
    private static final VarHandle FREED_BYTES;

    static {
        try {
            ALLOCATED_BYTES = MethodHandles.lookup().findVarHandle(Ledger.class, "allocatedBytes", long.class);
            FREED_BYTES = MethodHandles.lookup().findVarHandle(Ledger.class, "freedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long allocatedBlocks;
    long freedBlocks;
    private long allocatedBytes;
    private long freedBytes;
    long allocatedTokens;
    long freedTokens;
    long corruptBlocks;
    String firstProblem;

    void allocated(long size, long token) {
        allocatedBlocks++;
        allocatedTokens += token;
        ALLOCATED_BYTES.setOpaque(this, allocatedBytes + size);
    }

    void freed(long size, long token) {
        freedBlocks++;
        freedTokens += token;
        FREED_BYTES.setOpaque(this, freedBytes + size);
    }

    void problem(String description) {
        corruptBlocks++;
        if (firstProblem == null) {
            firstProblem = description;
        }
    }

    /** Bytes this thread allocated minus bytes it freed, as another thread may read it while the work runs. */
    long liveBytesRacy() {
        return (long) ALLOCATED_BYTES.getOpaque(this) - (long) FREED_BYTES.getOpaque(this);
    }

    long allocatedBytes() {
        return allocatedBytes;
    }

    long freedBytes() {
        return freedBytes;
    }
}
