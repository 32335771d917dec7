package dev.lgmalloc.bench.workload;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Lever and Boreham's xmalloc-test: threads that only allocate hand batches of blocks to threads that only free
 * them. The hardest case for per-thread caches: every free is remote, and the producers' caches never refill
 * from their own frees.
 */
final class XmallocTest implements Workload {

    private static final int BATCH = 1000;
    private static final long SIZE = 64;

    @Override
    public String name() {
        return "xmalloc-test";
    }

    @Override
    public String origin() {
        return "mimalloc-bench xmalloc-testN: xmalloc-test -w <procs> -t 5 -s 64 (procs allocating and procs freeing "
                + "threads, 64 B blocks, 5 s)";
    }

    @Override
    public String parameters(int threads, boolean quick) {
        return threads + " allocating + " + threads + " freeing threads, 64 B blocks in batches of " + BATCH + ", "
                + batches(quick) + " batches per allocating thread (a fixed amount of work instead of 5 s)";
    }

    @Override
    public boolean freesAcrossThreads() {
        return true;
    }

    private static int batches(boolean quick) {
        return quick ? 10 : 60_000;
    }

    @Override
    public long run(WorkloadContext context) throws InterruptedException {
        int producers = context.threads();
        int batches = batches(context.quick());
        BlockingQueue<Slots> queue = new ArrayBlockingQueue<>(4 * producers);
        Slots endOfWork = new Slots(0);
        WorkloadContext.Running consumers = context.startThreads(producers, "xmalloc-free", t -> {
            Worker worker = context.newWorker();
            try {
                for (Slots batch = context.take(queue); batch != endOfWork; batch = context.take(queue)) {
                    for (int i = 0; i < batch.count(); i++) {
                        worker.free(batch, i);
                    }
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        context.runThreads(producers, "xmalloc-alloc", t -> {
            Worker worker = context.newWorker();
            try {
                for (int b = 0; b < batches; b++) {
                    Slots batch = new Slots(BATCH);
                    for (int i = 0; i < BATCH; i++) {
                        worker.append(batch, SIZE);
                    }
                    context.put(queue, batch);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int t = 0; t < producers; t++) {
            context.put(queue, endOfWork);
        }
        consumers.join();
        return 2L * producers * batches * BATCH;
    }
}
