package dev.lgmalloc.analysis.jvm;

/** Whose allocation API a site calls, which decides whether the agent may route it. */
public enum AllocationApi {
    /** lgmalloc's own API ({@code dev.lgmalloc.LgMalloc}, {@code dev.lgmalloc.LgArena}): sites may be routed. */
    LGMALLOC,
    /** The JDK's off-heap APIs (FFM arenas, direct buffers, Unsafe): sites are reported, never routed. */
    JDK
}
