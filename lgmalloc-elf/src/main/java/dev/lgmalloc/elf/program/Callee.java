package dev.lgmalloc.elf.program;

/**
 * What a call or jump instruction reaches: an imported function by name (through a PLT stub or GOT slot), or a
 * function of this binary by index.
 *
 * @param importName the imported symbol, or null for a local function
 * @param function   the local function's index, or -1 for an import
 * @param tail       whether control does not come back (a jump): a tail call
 */
public record Callee(String importName, int function, boolean tail) {

    public boolean isImport() {
        return importName != null;
    }
}
