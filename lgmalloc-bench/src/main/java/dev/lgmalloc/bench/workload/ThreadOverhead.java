package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.memory.ProcessMemory;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Memory per thread: many threads each hold a few blocks of a few size classes (the suite: 64 threads, 4 blocks
 * each of 48, 256 and 1024 B). The same threads are measured twice, holding nothing and then holding their blocks,
 * so stacks and JVM thread state cancel out; the RSS the blocks added, minus the bytes requested, divided by the
 * threads, is what the allocator keeps per thread (caches, per-thread heaps and their pages). Done three times
 * with new threads, the allocator asked to release free memory in between; the median is kept. Peers that report
 * committed bytes also get committed bytes per thread.
 */
public final class ThreadOverhead implements Workload {

    private static final int REPEATS = 3;

    private final long[] sizes;
    private final int blocksPerSize;
    private final int threads;

    /** The suite's per-thread overhead. */
    ThreadOverhead() {
        this(new long[] {48, 256, 1024}, 4, 64);
    }

    /** {@code threads} threads (a quarter in quick mode) each holding {@code blocksPerSize} blocks of every size. */
    public ThreadOverhead(long[] sizes, int blocksPerSize, int threads) {
        this.sizes = sizes.clone();
        this.blocksPerSize = blocksPerSize;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "thread-overhead";
    }

    @Override
    public String origin() {
        return "the issue's per-thread overhead for many threads using a few size classes each";
    }

    @Override
    public String parameters(int ignored, boolean quick) {
        return threads(quick) + " threads (independent of --threads) x " + blocksPerSize + " blocks of "
                + LongStream.of(sizes).mapToObj(Long::toString).collect(Collectors.joining(", "))
                + " B, against the same threads holding nothing (median of " + REPEATS + " runs)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return false;
    }

    @Override
    public boolean measuresTime() {
        return false;
    }

    private int threads(boolean quick) {
        return quick ? threads / 4 : threads;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int count = threads(context.quick());
        long[] rssAdded = new long[REPEATS];
        long[] committedAdded = new long[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            long[] added = addedByBlocks(context, count);
            rssAdded[i] = added[0];
            committedAdded[i] = added[1];
            // Otherwise the next threads reuse the ended ones' pages, already resident, and look cheaper.
            context.allocator().releaseFreeMemory();
        }
        long requested = LongStream.of(sizes).sum() * blocksPerSize;
        context.metric("perThreadOverheadBytes", (double) median(rssAdded) / count - requested);
        if (context.allocator().committedBytes() >= 0) {
            context.metric("committedPerThreadBytes", (double) median(committedAdded) / count);
        }
        return 2L * REPEATS * count * sizes.length * blocksPerSize;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /**
     * Starts the threads; RSS and committed bytes when they all hold nothing, then when they all hold their blocks;
     * the differences.
     */
    private long[] addedByBlocks(WorkloadContext context, int count) throws InterruptedException {
        Rendezvous empty = new Rendezvous(context, count);
        Rendezvous holding = new Rendezvous(context, count);
        WorkloadContext.Running running = context.startThreads(count, "thread-overhead", t -> {
            Worker worker = context.newWorker();
            Slots slots = new Slots(sizes.length * blocksPerSize);
            empty.arriveAndWait();
            for (int i = 0; i < slots.capacity(); i++) {
                worker.allocate(slots, i, sizes[i % sizes.length]);
            }
            holding.arriveAndWait();
            worker.freeAll(slots);
        });
        long rssBefore;
        long committedBefore;
        try {
            empty.awaitAll();
            rssBefore = ProcessMemory.residentBytes();
            committedBefore = context.allocator().committedBytes();
        } finally {
            empty.release();
        }
        long rssAfter;
        long committedAfter;
        try {
            holding.awaitAll();
            rssAfter = ProcessMemory.residentBytes();
            committedAfter = context.allocator().committedBytes();
        } finally {
            holding.release();
        }
        running.join();
        return new long[] {rssAfter - rssBefore, committedAfter - committedBefore};
    }
}
