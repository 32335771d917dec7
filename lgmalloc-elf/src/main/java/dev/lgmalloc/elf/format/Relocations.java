package dev.lgmalloc.elf.format;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The GOT slots that relocations bind to symbols: {@code R_X86_64_JUMP_SLOT} and {@code R_X86_64_GLOB_DAT} name
 * the imported function a slot will hold; {@code R_X86_64_IRELATIVE} (static binaries) names the ifunc whose
 * resolver is the addend.
 */
public final class Relocations {

    private static final int R_X86_64_GLOB_DAT = 6;
    private static final int R_X86_64_JUMP_SLOT = 7;
    private static final int R_X86_64_IRELATIVE = 37;
    private static final int ENTRY_SIZE = 24;

    private Relocations() {
    }

    /**
     * Maps slot address to symbol name over every RELA section.
     *
     * @param namesAt names of local code symbols by address, for IRELATIVE resolvers
     */
    public static Map<Long, String> gotSlots(ElfFile elf, Map<Long, List<String>> namesAt) {
        Map<Long, String> slots = new HashMap<>();
        for (Section rela : elf.sections()) {
            if (rela.type() != Section.SHT_RELA || rela.fileSize() < ENTRY_SIZE) {
                continue;
            }
            List<Symbol> symbols = List.of();
            if (rela.link() > 0 && rela.link() < elf.sections().size()) {
                Section table = elf.sections().get(rela.link());
                if (table.type() == Section.SHT_DYNSYM || table.type() == Section.SHT_SYMTAB) {
                    symbols = SymbolTables.read(elf, table);
                }
            }
            long count = rela.fileSize() / ENTRY_SIZE;
            for (long i = 0; i < count; i++) {
                long base = rela.offset() + i * ENTRY_SIZE;
                long slot = elf.u64(base);
                long info = elf.u64(base + 8);
                int type = (int) info;
                long symbolIndex = info >>> 32;
                if (type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT) {
                    if (symbolIndex > 0 && symbolIndex < symbols.size()) {
                        String name = symbols.get((int) symbolIndex).name();
                        if (!name.isEmpty()) {
                            slots.put(slot, name);
                        }
                    }
                } else if (type == R_X86_64_IRELATIVE) {
                    List<String> names = namesAt.get(elf.u64(base + 16));
                    if (names != null && !names.isEmpty()) {
                        slots.put(slot, names.getFirst());
                    }
                }
            }
        }
        return slots;
    }
}
