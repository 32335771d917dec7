package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An allocator was created with a prediction: exact classes and pre-provisioned classes. */
@Name("dev.lgmalloc.PlanApplied")
@Label("lgmalloc Plan Applied")
@Category({"lgmalloc", "Prediction"})
@Description("Exact size classes and per-heap pre-provisioned classes of a new allocator")
@StackTrace(false)
public final class PlanAppliedEvent extends jdk.jfr.Event {

    @Label("Allocator")
    public String allocator;

    @Label("Exact Sizes")
    public String exactSizes;

    @Label("Provisioned Sizes")
    public String provisionedSizes;

    @Label("Size Classes")
    public int sizeClasses;
}
