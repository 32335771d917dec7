package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/** A block above the largest size class got a mapping of its own. Off by default, as the JDK does for per-allocation events. */
@Name("dev.lgmalloc.LargeAllocation")
@Label("lgmalloc Large Allocation")
@Category({"lgmalloc", "Memory"})
@Description("A block with a mapping of its own")
@Enabled(false)
public final class LargeAllocationEvent extends jdk.jfr.Event {

    @Label("Requested Size")
    @DataAmount
    public long size;

    @Label("Address")
    @MemoryAddress
    public long address;
}
