package dev.lgmalloc.analysis;

/**
 * A call (or tail-call jump) instruction in an ELF binary, by ELF virtual address.
 *
 * @param address       virtual address of the call instruction
 * @param returnAddress virtual address of the instruction after it (what a profiler sees on the stack)
 * @param function      the enclosing function's symbol, or {@code fun_<address>} when it has none
 */
public record ElfSiteLocation(long address, long returnAddress, String function) implements SiteLocation {

    @Override
    public String describe() {
        return returnAddress == 0
                ? String.format("0x%x (tail call) in %s", address, function)
                : String.format("0x%x (ret 0x%x) in %s", address, returnAddress, function);
    }
}
