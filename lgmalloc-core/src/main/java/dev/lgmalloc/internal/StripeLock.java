package dev.lgmalloc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock of a stripe heap, held by a virtual thread for one malloc or one free: taken with one CAS and given
 * back with a release store. A {@link ReentrantLock} gives it back with a volatile store, a full fence on every
 * unlock, and that fence was a third of a virtual thread's malloc/free pair (PairBenchmark on a virtual thread,
 * docs/BENCHMARKS.md). Not reentrant: the allocator never takes a stripe it holds.
 *
 * <p>A thread that finds the stripe taken waits in line on {@link #line}, parked; only the first in line watches
 * the lock itself. Its holder wakes that thread after the release store, without a fence between the two, so the
 * wake can miss a thread that was just going to sleep; the first in line therefore sleeps at most
 * {@link #WATCH_NANOS} at a time and looks again. Only that one thread ever looks on a timer, however many wait.
 */
final class StripeLock {

    /** How long the first in line sleeps before it looks again, should a wake have missed it. */
    private static final long WATCH_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private static final VarHandle STATE;
    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(StripeLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while held. */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /** The threads waiting, in order; the holder of this lock is the one that watches {@link #state}. */
    private final ReentrantLock line = new ReentrantLock();
    /** The first in line, to be woken on unlock; null when no one waits. */
    private volatile Thread watcher;

    /** Takes the lock if it is free; never waits. */
    boolean tryLock() {
        return (int) STATE.getOpaque(this) == 0 && STATE.compareAndSet(this, 0, 1);
    }

    /** Takes the lock, parked while it is held. */
    void lock() {
        if (tryLock()) {
            return;
        }
        boolean interrupted = false;
        line.lock();
        try {
            watcher = Thread.currentThread();
            while (!tryLock()) {
                LockSupport.parkNanos(this, WATCH_NANOS);
                // An interrupted thread's park returns at once: clear the status while waiting, or this would spin
                // and keep a carrier from the holder; it is set again below, as ReentrantLock.lock() does.
                interrupted |= Thread.interrupted();
            }
        } finally {
            watcher = null;
            line.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Gives the lock back; by its holder only. */
    void unlock() {
        STATE.setRelease(this, 0);
        Thread w = watcher;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Whether some thread holds the lock (racy: for tests and statistics). */
    boolean isLocked() {
        return (int) STATE.getOpaque(this) != 0;
    }
}
