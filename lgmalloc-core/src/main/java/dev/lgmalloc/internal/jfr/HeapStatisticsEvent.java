package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic use of one heap (thread, virtual-thread stripe, or orphaned pages) of one allocator. */
@Name("dev.lgmalloc.HeapStatistics")
@Label("lgmalloc Heap Statistics")
@Category({"lgmalloc", "Memory"})
@Period("1 s")
@StackTrace(false)
public final class HeapStatisticsEvent extends jdk.jfr.Event {

    @Label("Allocator")
    public String allocator;

    @Label("Heap")
    public String owner;

    @Label("Kind")
    public String kind;

    @Label("Pages")
    public int pages;

    @Label("Live Bytes")
    @DataAmount
    public long liveBytes;
}
