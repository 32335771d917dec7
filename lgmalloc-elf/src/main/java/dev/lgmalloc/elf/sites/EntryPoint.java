package dev.lgmalloc.elf.sites;

import dev.lgmalloc.elf.dataflow.SizeRule;
import java.util.List;

/**
 * A function whose call allocates: an allocator of the C or C++ runtime, or a wrapper found by the analysis.
 *
 * @param allocator the runtime allocator finally called, e.g. {@code malloc} or {@code _Znwm}
 * @param chain     wrappers from this entry point inwards (empty for the allocator itself)
 * @param size        how the requested size follows from the entry point's arguments
 * @param reliability how sure it is that a call requests {@code size}: below 1 when a wrapper (or one it calls)
 *                    has a fallback path that requests another size
 */
public record EntryPoint(String allocator, List<String> chain, SizeRule size, double reliability) {

    public EntryPoint {
        chain = List.copyOf(chain);
    }

    /** A runtime allocator: its size expression always holds. */
    static EntryPoint allocator(String name, SizeRule size) {
        return new EntryPoint(name, List.of(), size, 1.0);
    }

    /** Whether this is a runtime allocator rather than a wrapper. */
    public boolean isAllocator() {
        return chain.isEmpty();
    }
}
