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
 */
public final class TransparentArenas {

    private TransparentArenas() {
    }

    /** Replaces {@link Arena#ofConfined()}. */
    public static Arena ofConfined() {
        return LgArena.ofConfined();
    }

    /** Replaces {@link Arena#ofShared()}. */
    public static Arena ofShared() {
        return LgArena.ofShared();
    }
}
