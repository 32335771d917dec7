package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic use of one size class of one allocator. */
@Name("dev.lgmalloc.ClassStatistics")
@Label("lgmalloc Size Class Statistics")
@Category({"lgmalloc", "Memory"})
@Description("Pages and live blocks of one size class")
@Period("1 s")
@StackTrace(false)
public final class ClassStatisticsEvent extends jdk.jfr.Event {

    @Label("Allocator")
    public String allocator;

    @Label("Block Size")
    @DataAmount
    public int blockSize;

    @Label("Exact Class")
    @Description("Added for a predicted size")
    public boolean exact;

    @Label("Pages")
    public int pages;

    @Label("Live Blocks")
    public long liveBlocks;

    @Label("Capacity")
    public long capacityBlocks;
}
