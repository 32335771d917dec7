package dev.lgmalloc.bench.prediction;

import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.SizeClasses;
import dev.lgmalloc.bench.workload.Footprint;
import java.util.Map;

/**
 * Prediction on and off for the memory of a predicted constant size: one thread holds many blocks of
 * {@code size} bytes, on an allocator with the standard classes (a request is rounded up to the next class) and on
 * one with the exact class the plan adds for that size, each a fresh allocator in this JVM, through the suite's
 * {@link Footprint} workload. After one unmeasured run (the first pays for process-wide state such as the page
 * map's leaves), they run in the order off, on, on, off and each side's two results are averaged, so a drift of
 * the process's RSS over time falls on both sides equally.
 *
 * @param size           the predicted request size
 * @param blocks         blocks held
 * @param blockSizeOff   the block a request of {@code size} gets with standard classes
 * @param blockSizeOn    the block it gets with the plan's exact class
 * @param rssOff         RSS added per requested byte, standard classes
 * @param rssOn          RSS added per requested byte, with the exact class
 * @param committedOff   committed bytes added per requested byte, standard classes
 * @param committedOn    committed bytes added per requested byte, with the exact class
 */
record ExactClassFootprint(long size, int blocks, int blockSizeOff, int blockSizeOn, double rssOff, double rssOn,
        double committedOff, double committedOn) {

    /** Measures {@code blocks} blocks of {@code size} (a fifth of them when {@code quick}). */
    static ExactClassFootprint measure(long size, int blocks, boolean quick) throws InterruptedException {
        AllocatorConfiguration off = AllocatorConfiguration.defaults();
        AllocatorConfiguration on = off.withExactSizes(size);
        Footprint workload = new Footprint(size, blocks);
        InstanceRun.metrics(workload, "unmeasured", off, 1, quick);
        Map<String, Double> off1 = InstanceRun.metrics(workload, "standard-classes", off, 1, quick);
        Map<String, Double> on1 = InstanceRun.metrics(workload, "exact-" + size, on, 1, quick);
        Map<String, Double> on2 = InstanceRun.metrics(workload, "exact-" + size, on, 1, quick);
        Map<String, Double> off2 = InstanceRun.metrics(workload, "standard-classes", off, 1, quick);
        return new ExactClassFootprint(size, quick ? blocks / 5 : blocks, blockSize(off.sizeClasses(), size),
                blockSize(on.sizeClasses(), size), mean(off1, off2, "rssPerRequested"),
                mean(on1, on2, "rssPerRequested"), mean(off1, off2, "committedPerRequested"),
                mean(on1, on2, "committedPerRequested"));
    }

    private static double mean(Map<String, Double> a, Map<String, Double> b, String metric) {
        return (a.get(metric) + b.get(metric)) / 2;
    }

    private static int blockSize(SizeClasses classes, long size) {
        return classes.blockSize(classes.classOf(size));
    }
}
