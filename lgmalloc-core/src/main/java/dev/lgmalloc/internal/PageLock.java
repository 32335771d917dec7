package dev.lgmalloc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of an extent page's units ({@link Units} extends it): taken with one CAS on a word in the object it
 * guards, given back with a release store. A monitor there was inflated for good the first time the maintenance
 * pass met the owner at a page, and then its enter was a CAS on the JVM's monitor record, elsewhere in memory, and
 * its exit a full fence: 10% and 2% of a live set of 8-32 KiB blocks freed into their pages (docs/BENCHMARKS.md,
 * thirty-first session). Not reentrant.
 *
 * <p>A holder never blocks or waits while it holds the lock, and others rarely want it at the same time (the
 * maintenance pass, a trim, another thread's free that the remote list refused), so a waiter spins a little, then
 * yields, then sleeps {@link #NAP_NANOS} at a time and looks again: no wake-up to lose, and a long wait costs no
 * processor.
 */
abstract class PageLock {

    private static final int SPINS = 64;
    private static final int YIELDS = 16;
    /** How long a waiter that has spun and yielded sleeps before it looks again. */
    private static final long NAP_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private static final VarHandle LOCKED;
    private static final VarHandle WAITING;
    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LOCKED = lookup.findVarHandle(PageLock.class, "locked", int.class);
            WAITING = lookup.findVarHandle(PageLock.class, "waiting", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while held. */
    @SuppressWarnings("unused") // through LOCKED
    private volatile int locked;
    /** Threads waiting for the lock, for tests and checks. */
    @SuppressWarnings("unused") // through WAITING
    private volatile int waiting;

    /** Takes the lock. */
    final void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        WAITING.getAndAdd(this, 1);
        boolean interrupted = false;
        try {
            for (int attempt = 0; !tryLock(); attempt++) {
                if (attempt < SPINS) {
                    Thread.onSpinWait();
                } else if (attempt < SPINS + YIELDS) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(this, NAP_NANOS);
                    // An interrupted thread's park returns at once: clear the status while waiting, or this would
                    // spin; it is set again below, as ReentrantLock.lock() does
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            WAITING.getAndAdd(this, -1);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean tryLock() {
        return (int) LOCKED.getOpaque(this) == 0 && LOCKED.compareAndSet(this, 0, 1);
    }

    /** Gives the lock back; by its holder only. */
    final void unlock() {
        LOCKED.setRelease(this, 0);
    }

    /** Whether some thread waits for the lock (racy: for tests). */
    final boolean hasWaiters() {
        return (int) WAITING.getVolatile(this) != 0;
    }
}
