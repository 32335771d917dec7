package dev.lgmalloc.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts blocks that really crossed threads in a producer/consumer benchmark: JMH reports {@code pairs} as a rate
 * (one malloc on the producer plus one free on the consumer each). The producer's and consumer's own scores count
 * every call, including offers to a full ring and polls of an empty one, so they are not pair rates.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Transfers {

    /** Blocks freed by the consumer thread after the producer thread allocated them. */
    public long pairs;

    @Setup(Level.Iteration)
    public void reset() {
        pairs = 0;
    }
}
