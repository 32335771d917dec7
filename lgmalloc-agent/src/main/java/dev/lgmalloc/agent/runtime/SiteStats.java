package dev.lgmalloc.agent.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sizes one site requested at run time: a count per distinct size (the first {@link #MAX_DISTINCT} sizes),
 * and how many requests matched the prediction. Thread-safe.
 */
public final class SiteStats {

    /** Distinct sizes kept per site; later new sizes are only counted. */
    public static final int MAX_DISTINCT = 64;

    private final long[] predicted;       // sorted; empty when the prediction was unknown
    private final int predictedClass;     // -1 when none
    private final ClassOfSize classOf;
    private final LongAdder calls = new LongAdder();
    private final LongAdder inSet = new LongAdder();
    private final LongAdder inClass = new LongAdder();
    private final LongAdder untracked = new LongAdder();
    private final ConcurrentHashMap<Long, LongAdder> sizes = new ConcurrentHashMap<>();

    /** The size class a request falls in, -1 for none (as the allocator's size classes say). */
    @FunctionalInterface
    public interface ClassOfSize {
        /** The class of {@code size}. */
        int classOf(long size);
    }

    /** Statistics of a site predicted to request one of {@code predicted} (empty: unknown), in {@code predictedClass}. */
    public SiteStats(long[] predicted, int predictedClass, ClassOfSize classOf) {
        this.predicted = predicted.clone();
        java.util.Arrays.sort(this.predicted);
        this.predictedClass = predictedClass;
        this.classOf = classOf;
    }

    void record(long size) {
        calls.increment();
        if (predicted.length > 0 && java.util.Arrays.binarySearch(predicted, size) >= 0) {
            inSet.increment();
        }
        if (predictedClass >= 0 && classOf.classOf(size) == predictedClass) {
            inClass.increment();
        }
        LongAdder a = sizes.get(size);
        if (a == null && sizes.size() < MAX_DISTINCT) {
            a = sizes.computeIfAbsent(size, k -> new LongAdder());
        }
        if (a != null) {
            a.increment();
        } else {
            untracked.increment();
        }
    }

    /** Requests made. */
    public long calls() {
        return calls.sum();
    }

    /** Requests whose size was one of the predicted sizes. */
    public long inPredictedSet() {
        return inSet.sum();
    }

    /** Requests whose size fell in the predicted class. */
    public long inPredictedClass() {
        return inClass.sum();
    }

    /** Requests whose size was not kept (more than {@link #MAX_DISTINCT} distinct sizes). */
    public long untracked() {
        return untracked.sum();
    }

    /** Requests per size, ascending by size. */
    public Map<Long, Long> sizes() {
        Map<Long, Long> out = new TreeMap<>();
        sizes.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
