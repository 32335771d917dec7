package dev.lgmalloc.elf.format;

import java.util.ArrayList;
import java.util.List;

/** Reads {@code .symtab} and {@code .dynsym} style sections. */
public final class SymbolTables {

    private static final int ENTRY_SIZE = 24;

    private SymbolTables() {
    }

    /** The symbols of {@code table} in index order (index 0 is the null symbol); empty if it is unreadable. */
    public static List<Symbol> read(ElfFile elf, Section table) {
        if (table.fileSize() < ENTRY_SIZE) {
            return List.of();
        }
        if (table.entrySize() != ENTRY_SIZE) {
            elf.warn("symbol table " + table.name() + " has entry size " + table.entrySize() + "; ignored");
            return List.of();
        }
        Section strings = table.link() > 0 && table.link() < elf.sections().size()
                ? elf.sections().get(table.link()) : null;
        if (strings == null || strings.fileSize() == 0) {
            elf.warn("symbol table " + table.name() + " has no readable string table; ignored");
            return List.of();
        }
        List<Symbol> read = elf.symbolTables.get(table.index());
        if (read != null) {
            return read; // .dynsym is asked for by the analyser and by each relocation section that links to it
        }
        long count = table.fileSize() / ENTRY_SIZE;
        List<Symbol> symbols = new ArrayList<>((int) Math.min(count, 1 << 20));
        long strEnd = strings.offset() + strings.fileSize();
        // One bulk copy of the names instead of a buffer read per byte (node: 185,000 names, 13 MB of them).
        byte[] names = elf.bytes(strings.offset(), strings.fileSize());
        for (long i = 0; i < count; i++) {
            long base = table.offset() + i * ENTRY_SIZE;
            long nameOffset = elf.u32(base) & 0xffffffffL;
            int info = elf.u8(base + 4);
            int shndx = elf.u16(base + 6);
            String name = nameOffset >= strings.fileSize() ? ""
                    : names != null ? nameAt(names, (int) nameOffset)
                    : elf.string(strings.offset() + nameOffset, strEnd);
            int at = name.indexOf('@');
            if (at > 0) {
                name = name.substring(0, at);
            }
            symbols.add(new Symbol(name, elf.u64(base + 8), elf.u64(base + 16), info & 0xf, info >>> 4,
                    shndx != 0));
        }
        read = java.util.Collections.unmodifiableList(symbols);
        elf.symbolTables.put(table.index(), read);
        return read;
    }

    /** The NUL-terminated name at {@code offset}, as {@link ElfFile#string} reads it: at most MAX_NAME bytes. */
    private static String nameAt(byte[] names, int offset) {
        int end = Math.min(names.length, offset + ElfFile.MAX_NAME);
        int p = offset;
        while (p < end && names[p] != 0) {
            p++;
        }
        return new String(names, offset, p - offset, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
