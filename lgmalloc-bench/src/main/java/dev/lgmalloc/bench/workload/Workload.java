package dev.lgmalloc.bench.workload;

/**
 * One workload of the suite: a Java port of a mimalloc-bench program or a memory measurement. It allocates and
 * frees only through {@link Worker}s of its {@link WorkloadContext}, frees everything it allocated before it
 * returns, and returns how many operations it performed.
 */
public interface Workload {

    /** The name used on the command line and in the tables. */
    String name();

    /** What the original is and the parameters it was published with. */
    String origin();

    /** The parameters used here, scaled to the thread count, for the report. */
    String parameters(int threads, boolean quick);

    /** True when blocks are freed by threads other than the one that allocated them. */
    boolean freesAcrossThreads();

    /** False for memory measurements whose duration means nothing (they pause to read RSS). */
    default boolean measuresTime() {
        return true;
    }

    /** Runs the workload; returns the operations performed (allocations plus frees, or as the workload says). */
    long run(WorkloadContext context) throws InterruptedException;
}
