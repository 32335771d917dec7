package dev.lgmalloc.bench.prediction;

import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.bench.workload.ThreadOverhead;
import java.util.Map;

/**
 * Per-thread memory with and without pre-provisioning: many threads each hold a few blocks of two predicted sizes,
 * measured through the suite's {@link ThreadOverhead} workload on one allocator per configuration, in this JVM.
 *
 * @param configuration    which configuration
 * @param rssPerThread     RSS the blocks added per thread, minus the bytes requested
 * @param committedPerThread committed bytes the blocks added per thread
 */
record ThreadHeapFootprint(String configuration, double rssPerThread, double committedPerThread) {

    /** The two sizes every thread allocates, as a plan predicts them: 300 B gets an exact class. */
    static final long[] PREDICTED = {64, 300};

    /**
     * Sixteen classes provisioned without a prediction (the agent's cap is sixteen predicted classes), all below
     * 8 KiB: blocks from 8 KiB are extents, which have no page per class to provision.
     */
    static final long[] SIXTEEN = {16, 32, 48, 64, 80, 96, 128, 160, 192, 256, 300, 384, 512, 1024, 2048, 4096};

    /** The configurations compared, in the order they run. */
    enum Setup {
        /** No plan: a heap takes a page of a class when it first allocates from it. */
        DEFAULT(AllocatorConfiguration.defaults()),
        /** The plan: every new heap gets pages for the predicted classes only. */
        PLAN(AllocatorConfiguration.defaults().withExactSizes(300).withProvisionedSizes(PREDICTED)),
        /** Pre-provisioning without prediction: pages for sixteen common classes in every new heap. */
        SIXTEEN_CLASSES(AllocatorConfiguration.defaults().withExactSizes(300).withProvisionedSizes(SIXTEEN));

        final AllocatorConfiguration configuration;

        Setup(AllocatorConfiguration configuration) {
            this.configuration = configuration;
        }
    }

    /** {@code threads} threads (a quarter when {@code quick}) holding {@code blocksPerSize} blocks of each size. */
    static ThreadHeapFootprint measure(Setup setup, int threads, int blocksPerSize, boolean quick)
            throws InterruptedException {
        ThreadOverhead workload = new ThreadOverhead(PREDICTED, blocksPerSize, threads);
        Map<String, Double> metrics = InstanceRun.metrics(workload, setup.name(), setup.configuration, 1, quick);
        return new ThreadHeapFootprint(setup.name(), metrics.get("perThreadOverheadBytes"),
                metrics.get("committedPerThreadBytes"));
    }
}
