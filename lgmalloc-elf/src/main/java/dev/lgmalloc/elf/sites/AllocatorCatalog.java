package dev.lgmalloc.elf.sites;

import static dev.lgmalloc.elf.dataflow.Registers.RDI;
import static dev.lgmalloc.elf.dataflow.Registers.RDX;
import static dev.lgmalloc.elf.dataflow.Registers.RSI;

import dev.lgmalloc.elf.dataflow.SizeExpression;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime allocation functions and, per the System V ABI, the registers that carry their size: rdi for
 * malloc, valloc, pvalloc and every {@code operator new}/{@code new[]} (plain, nothrow, align_val_t and both);
 * rdi × rsi for calloc; rsi for realloc, aligned_alloc and memalign; rsi × rdx for reallocarray; rdx for
 * posix_memalign.
 */
public final class AllocatorCatalog {

    private static final Map<String, SizeExpression> ALLOCATORS = new HashMap<>();

    static {
        for (String name : List.of("malloc", "valloc", "pvalloc", "__libc_malloc", "__libc_valloc",
                "__libc_pvalloc")) {
            ALLOCATORS.put(name, SizeExpression.argument(RDI));
        }
        for (String newName : List.of("_Znwm", "_Znam")) {
            for (String variant : List.of("", "RKSt9nothrow_t", "St11align_val_t", "St11align_val_tRKSt9nothrow_t")) {
                ALLOCATORS.put(newName + variant, SizeExpression.argument(RDI));
            }
        }
        ALLOCATORS.put("calloc", SizeExpression.product(RDI, RSI));
        ALLOCATORS.put("__libc_calloc", SizeExpression.product(RDI, RSI));
        for (String name : List.of("realloc", "__libc_realloc", "aligned_alloc", "memalign", "__libc_memalign")) {
            ALLOCATORS.put(name, SizeExpression.argument(RSI));
        }
        ALLOCATORS.put("reallocarray", SizeExpression.product(RSI, RDX));
        ALLOCATORS.put("posix_memalign", SizeExpression.argument(RDX));
        ALLOCATORS.put("__posix_memalign", SizeExpression.argument(RDX));
    }

    private AllocatorCatalog() {
    }

    /** The entry point for a runtime allocator's symbol name, or null. */
    public static EntryPoint lookup(String symbol) {
        SizeExpression size = ALLOCATORS.get(symbol);
        return size == null ? null : EntryPoint.allocator(symbol, size);
    }
}
