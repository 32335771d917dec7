package dev.lgmalloc.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A routed call site asked for a size outside its predicted class and took the general path. Off by default. */
@Name("dev.lgmalloc.PredictionMiss")
@Label("lgmalloc Prediction Miss")
@Category({"lgmalloc", "Prediction"})
@Description("A call site routed to a size class requested a size that does not fit it")
@Enabled(false)
public final class PredictionMissEvent extends jdk.jfr.Event {

    @Label("Requested Size")
    @DataAmount
    public long size;

    @Label("Predicted Block Size")
    @DataAmount
    public long predictedBlockSize;
}
