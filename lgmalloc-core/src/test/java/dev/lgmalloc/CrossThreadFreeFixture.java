package dev.lgmalloc;

import dev.lgmalloc.internal.Os;
import dev.lgmalloc.internal.QuietMaintenance;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * An allocator of its own and one live platform thread beside the test's, which frees (or allocates) on request and
 * then waits, idle: what the tests of frees across threads share.
 */
abstract class CrossThreadFreeFixture {

    Allocator allocator;
    ExecutorService freeing;

    @BeforeEach
    void start() {
        allocator = quietAllocator();
        freeing = Executors.newSingleThreadExecutor();
    }

    /**
     * An allocator off the maintenance thread: a pass may hand the pages of a thread that waits off (so the waiting
     * owner's blocks would no longer be its own), and these tests look at where each block goes. They trim when they
     * need an ended thread reaped.
     */
    private static Allocator quietAllocator() {
        return QuietMaintenance.of(Allocator.create(AllocatorConfiguration.defaults()));
    }

    @AfterEach
    void stop() {
        freeing.shutdownNow();
        allocator.close();
    }

    long[] mallocs(int n, long size) {
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = allocator.malloc(size);
        }
        return blocks;
    }

    long[] mallocs(int n) {
        return mallocs(n, 64);
    }

    /**
     * Allocates the rest of the OS page that {@code last}, a block of {@code size} bytes this thread just took, lies
     * in: a fresh page's blocks are linked into its free list an OS page at a time (Heap.linkUntouched). With them
     * taken, the thread's page of the class has no free block, and its next allocations show where freed blocks went.
     */
    long[] restOfOsPage(long last, long size) {
        long untaken = (Os.PAGE_SIZE - (last + size) % Os.PAGE_SIZE) % Os.PAGE_SIZE;
        return mallocs((int) (untaken / size), size);
    }

    void freeAll(long... blocks) {
        for (long b : blocks) {
            allocator.free(b);
        }
    }

    void freeOnTheOtherThread(long[] blocks) throws Exception {
        onTheOtherThread(() -> {
            freeAll(blocks);
            return null;
        });
    }

    /**
     * Closes the allocator while the other thread holds blocks of it, then has that thread free {@code n} blocks of a
     * new allocator and trim: it must go on working, and the new allocator ends with nothing live.
     */
    void closeThenFreeAnotherAllocatorsBlocks(int n) throws Exception {
        allocator.close();
        allocator = quietAllocator();
        freeOnTheOtherThread(mallocs(n));
        freeing.submit(allocator::trim).get();
    }

    /** Frees {@code blocks} on the other thread while this one, their owner, spins: running, not waiting. */
    void freeOnTheOtherThreadWhileRunning(long[] blocks) throws Exception {
        Future<?> freed = freeing.submit(() -> freeAll(blocks));
        while (!freed.isDone()) {
            Thread.onSpinWait();
        }
        freed.get();
    }

    /**
     * Runs {@code task} on the other thread once this one waits for it: a free there then meets an owner that allocates
     * nothing meanwhile, as a thread that hands its blocks over and waits does (whose blocks the freeing thread keeps).
     */
    <T> T onTheOtherThread(Callable<T> task) throws Exception {
        Thread caller = Thread.currentThread();
        AtomicBoolean inGet = new AtomicBoolean();
        Future<T> result = freeing.submit(() -> {
            // Parked in get(), not merely parked a moment on the executor's queue lock on its way there.
            while (!inGet.get() || caller.getState() == Thread.State.RUNNABLE) {
                Thread.onSpinWait();
            }
            return task.call();
        });
        inGet.set(true);
        return result.get();
    }

    static Set<Long> setOf(long[] blocks) {
        Set<Long> set = new HashSet<>();
        for (long b : blocks) {
            set.add(b);
        }
        return set;
    }
}
