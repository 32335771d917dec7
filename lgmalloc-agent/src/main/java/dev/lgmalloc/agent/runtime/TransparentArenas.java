package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgArena;
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
 * <p>On a virtual thread a confined arena stays the JDK's. There an arena per call cost 1.4-1.7x the JDK's
 * under lgmalloc (docs/BENCHMARKS.md, "Virtual threads"): the chunk it carves comes from a stripe heap, whose
 * code makes the arena's methods too big for C2 to inline, so the arena and its scope are no longer
 * scalar-replaced as they are on a platform thread (14-16 ns against the JDK's 89-92).
 */
public final class TransparentArenas {

    private TransparentArenas() {
    }

    /** Replaces {@link Arena#ofConfined()}: lgmalloc's on a platform thread, the JDK's on a virtual one. */
    public static Arena ofConfined() {
        return Thread.currentThread().isVirtual() ? Arena.ofConfined() : LgArena.ofConfined();
    }

    /** Replaces {@link Arena#ofShared()}. */
    public static Arena ofShared() {
        return LgArena.ofShared();
    }
}
