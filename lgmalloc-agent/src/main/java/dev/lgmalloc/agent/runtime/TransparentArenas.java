package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgArena;
import dev.lgmalloc.LgMalloc;
import java.lang.foreign.Arena;

/**
 * What a rewritten {@code Arena.ofConfined()} or {@code Arena.ofShared()} returns in transparent mode: an
 * {@link LgArena} of the process-wide allocator, which keeps the JDK arenas' contract (zeroed memory, alignment,
 * confinement, non-idempotent close, segments inaccessible after close, a JDK scope usable wherever the JDK
 * takes an arena).
 *
 * <p>{@code Arena.ofAuto()} and {@code Arena.global()} are not rewritten: an automatic arena is freed by the
 * garbage collector through a cleaner per arena, which lgmalloc would have to reproduce at the same cost, and the
 * global arena never frees, so a faster free buys nothing there.
 *
 * <p>On a virtual thread a confined arena is lgmalloc's when virtual threads use their carriers' heaps (the agent
 * arranges it): its chunk is then the carrier's spare, and in most runs C2 inlines the arena away as on a platform
 * thread; where it does not, the arena costs about what the JDK's does (docs/BENCHMARKS.md, "A virtual thread's
 * arena on its carrier's spare chunk"). On stripes, without the carriers, the chunk path made the arena's methods
 * too big for C2 to inline, the arena and its scope were allocated on the heap, and an arena per call cost
 * 1.4-1.7x the JDK's: there the JDK's arena is returned.
 */
public final class TransparentArenas {

    /** Whether a virtual thread's arena is lgmalloc's too (read once: the agent's export comes first). */
    private static final boolean ON_VIRTUAL_THREADS = LgMalloc.allocator().carrierHeaps();

    private TransparentArenas() {
    }

    /** Replaces {@link Arena#ofConfined()}: lgmalloc's, but the JDK's on a virtual thread without carrier heaps. */
    public static Arena ofConfined() {
        return !ON_VIRTUAL_THREADS && Thread.currentThread().isVirtual() ? Arena.ofConfined() : LgArena.ofConfined();
    }

    /** Replaces {@link Arena#ofShared()}. */
    public static Arena ofShared() {
        return LgArena.ofShared();
    }
}
