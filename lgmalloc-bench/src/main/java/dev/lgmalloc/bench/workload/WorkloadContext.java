package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * What a workload runs with: the peer, the number of threads, the scale, and the bookkeeping shared by its
 * threads (ledgers, the first failure, extra metrics). Threads are created by the peer, so Netty's variants get
 * the threads they are configured for.
 */
public final class WorkloadContext {

    private final PeerAllocator allocator;
    private final int threads;
    private final boolean quick;
    private final List<Ledger> ledgers = new CopyOnWriteArrayList<>();
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private volatile Throwable failure;
    private long seed;

    public WorkloadContext(PeerAllocator allocator, int threads, boolean quick, long seed) {
        this.allocator = allocator;
        this.threads = threads;
        this.quick = quick;
        this.seed = seed;
    }

    public PeerAllocator allocator() {
        return allocator;
    }

    /** The {@code --threads} setting (the number of cores by default); each workload says how it uses it. */
    public int threads() {
        return threads;
    }

    /** True in {@code --quick} mode: small parameters that check correctness, not speed. */
    public boolean quick() {
        return quick;
    }

    /** Picks the full or the quick value of a parameter. */
    public int scaled(int full, int quickValue) {
        return quick ? quickValue : full;
    }

    /** A worker with its own ledger and random stream, for the calling thread. */
    public synchronized Worker newWorker() {
        Ledger ledger = new Ledger();
        ledgers.add(ledger);
        return new Worker(allocator, ledger, seed++ * 0x9E3779B97F4A7C15L + 1);
    }

    /** Records a result that only this workload computes (RSS per requested byte, per-thread overhead, ...). */
    public synchronized void metric(String name, double value) {
        metrics.put(name, value);
    }

    public synchronized Map<String, Double> metrics() {
        return Map.copyOf(metrics);
    }

    /** Runs {@code body(i)} on {@code count} new threads of the peer's kind and waits for all of them. */
    public void runThreads(int count, String name, IntConsumer body) throws InterruptedException {
        startThreads(count, name, body).join();
    }

    /** Starts {@code count} threads; {@link Running#join()} waits for them and rethrows the first failure. */
    public Running startThreads(int count, String name, IntConsumer body) {
        List<Thread> started = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread thread = allocator.newThread(() -> {
                try {
                    body.accept(index);
                } catch (Throwable t) {
                    fail(t);
                }
            }, name + "-" + i);
            thread.setDaemon(true);
            started.add(thread);
        }
        started.forEach(Thread::start);
        return new Running(started);
    }

    /** Threads started by {@link #startThreads}. */
    public final class Running {
        private final List<Thread> threadsStarted;

        private Running(List<Thread> threadsStarted) {
            this.threadsStarted = threadsStarted;
        }

        public void join() throws InterruptedException {
            for (Thread thread : threadsStarted) {
                thread.join();
            }
            throwIfFailed();
        }
    }

    /** Records the first failure of any thread; threads waiting on each other see it through {@link #failed()}. */
    public void fail(Throwable t) {
        synchronized (this) {
            if (failure == null) {
                failure = t;
            }
        }
    }

    public boolean failed() {
        return failure != null;
    }

    /** Throws the first failure of a worker thread, if there was one. */
    public void throwIfFailed() {
        Throwable t = failure;
        if (t != null) {
            throw new WorkloadFailure("a worker thread failed: " + t, t);
        }
    }

    /** Waits on a queue for the next item, giving up when another thread failed (so nothing waits forever). */
    public <T> T take(java.util.concurrent.BlockingQueue<T> queue) throws InterruptedException {
        while (true) {
            T item = queue.poll(50, TimeUnit.MILLISECONDS);
            if (item != null) {
                return item;
            }
            throwIfFailed();
        }
    }

    /** Puts into a bounded queue, giving up when another thread failed. */
    public <T> void put(java.util.concurrent.BlockingQueue<T> queue, T item) throws InterruptedException {
        while (!queue.offer(item, 50, TimeUnit.MILLISECONDS)) {
            throwIfFailed();
        }
    }

    /** Bytes requested and not yet freed, summed over all threads' ledgers while they run (approximate). */
    public long liveBytesRacy() {
        long live = 0;
        for (Ledger ledger : ledgers) {
            live += ledger.liveBytesRacy();
        }
        return live;
    }

    /** Adds up every thread's ledger: did each block get freed once, intact? */
    public Verification verification() {
        Throwable t = failure;
        return Verification.of(ledgers, t == null ? null : String.valueOf(t));
    }

    /** An unchecked wrapper for a worker thread's failure. */
    public static final class WorkloadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WorkloadFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
