package dev.lgmalloc.elf.sites;

import dev.lgmalloc.elf.dataflow.SizeExpression;
import dev.lgmalloc.elf.isa.CallingConvention;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime allocation functions and the arguments that carry their size: the first for malloc, valloc,
 * pvalloc and every {@code operator new}/{@code new[]} (plain, nothrow, align_val_t and both); first × second
 * for calloc; the second for realloc, aligned_alloc and memalign; second × third for reallocarray; the third
 * for posix_memalign. The calling convention says which registers those are (rdi, rsi, rdx on x86-64).
 *
 * <p>Besides the allocators, functions of another library that tail-call one, so that it returns straight into
 * their caller: libstdc++'s {@code std::string::_M_create} ({@link StringCreateRule}). They are entry points
 * through a chain of one, like a wrapper the analysis found.
 */
public final class AllocatorCatalog {

    private final Map<String, SizeExpression> allocators = new HashMap<>();

    private AllocatorCatalog(CallingConvention convention) {
        int first = convention.argument(0);
        int second = convention.argument(1);
        int third = convention.argument(2);
        for (String name : List.of("malloc", "valloc", "pvalloc", "__libc_malloc", "__libc_valloc",
                "__libc_pvalloc")) {
            allocators.put(name, SizeExpression.argument(first));
        }
        for (String newName : List.of("_Znwm", "_Znam")) {
            for (String variant : List.of("", "RKSt9nothrow_t", "St11align_val_t", "St11align_val_tRKSt9nothrow_t")) {
                allocators.put(newName + variant, SizeExpression.argument(first));
            }
        }
        allocators.put("calloc", SizeExpression.product(first, second));
        allocators.put("__libc_calloc", SizeExpression.product(first, second));
        for (String name : List.of("realloc", "__libc_realloc", "aligned_alloc", "memalign", "__libc_memalign")) {
            allocators.put(name, SizeExpression.argument(second));
        }
        allocators.put("reallocarray", SizeExpression.product(second, third));
        allocators.put("posix_memalign", SizeExpression.argument(third));
        allocators.put("__posix_memalign", SizeExpression.argument(third));
    }

    /** The catalog for functions called with {@code convention}. */
    public static AllocatorCatalog of(CallingConvention convention) {
        return new AllocatorCatalog(convention);
    }

    /**
     * Whether the symbol is a C++ {@code operator new}/{@code new[]}: defined in a binary (gdb, cc1plus and
     * libstdc++ define their own), it is a wrapper of the C allocator it calls rather than an allocator itself.
     */
    public static boolean isOperatorNew(String symbol) {
        return symbol.startsWith("_Znwm") || symbol.startsWith("_Znam");
    }

    /**
     * {@code _M_create}'s entry point when the program defines its own {@code operator new}, entry point
     * {@code ownNew}: the library's call of {@code operator new} reaches it, and through it the allocator it wraps.
     * Null when its size rule cannot be composed with {@code _M_create}'s.
     */
    static EntryPoint stringCreateThrough(EntryPoint ownNew) {
        if (!(ownNew.size() instanceof SizeExpression size)) {
            return null;
        }
        List<String> chain = new ArrayList<>(List.of(StringCreateRule.SYMBOL));
        chain.addAll(ownNew.isAllocator() ? List.of() : ownNew.chain());
        return new EntryPoint(ownNew.allocator(), chain, new StringCreateRule(size), ownNew.reliability());
    }

    /**
     * Whether a function of an entry point's chain leaves no frame on the stack when it allocates: a library
     * function that tail-calls the allocator ({@code _M_create}), so the allocator's return address is its caller's.
     */
    public static boolean tailCallsAllocator(String function) {
        return function.equals(StringCreateRule.SYMBOL);
    }

    /** The entry point for a runtime allocator's symbol name, or for a library function that tail-calls one, or null. */
    public EntryPoint lookup(String symbol) {
        if (symbol.equals(StringCreateRule.SYMBOL)) {
            return new EntryPoint("_Znwm", List.of(symbol), new StringCreateRule(), 1.0);
        }
        SizeExpression size = allocators.get(symbol);
        return size == null ? null : EntryPoint.allocator(symbol, size);
    }
}
