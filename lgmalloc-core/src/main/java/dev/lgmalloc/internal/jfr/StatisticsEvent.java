package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic totals of one allocator, like the JDK's {@code jdk.GCHeapSummary}. */
@Name("dev.lgmalloc.Statistics")
@Label("lgmalloc Statistics")
@Category({"lgmalloc", "Memory"})
@Description("Live, committed and reserved memory of an lgmalloc allocator")
@Period("1 s")
@StackTrace(false)
public final class StatisticsEvent extends jdk.jfr.Event {

    @Label("Allocator")
    public String allocator;

    @Label("Live Bytes")
    @DataAmount
    public long liveBytes;

    @Label("Live Blocks")
    public long liveBlocks;

    @Label("Committed Bytes")
    @DataAmount
    public long committedBytes;

    @Label("Reserved Bytes")
    @DataAmount
    public long reservedBytes;

    @Label("Heaps")
    public int heaps;

    @Label("Segments")
    public int segments;

    @Label("Large Blocks")
    public long largeBlocks;
}
