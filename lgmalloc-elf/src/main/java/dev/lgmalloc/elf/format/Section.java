package dev.lgmalloc.elf.format;

/**
 * One section header, already checked: {@code offset + fileSize} lies inside the file.
 *
 * @param fileSize bytes of the section present in the file (0 for SHT_NOBITS or a section cut off by truncation)
 */
public record Section(int index, String name, int type, long flags, long address, long offset, long size,
                      long fileSize, int link, int info, long entrySize) {

    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_DYNSYM = 11;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    /** Whether the section holds code loaded into memory. */
    public boolean isCode() {
        return (flags & SHF_ALLOC) != 0 && (flags & SHF_EXECINSTR) != 0 && type == SHT_PROGBITS && fileSize > 0;
    }

    /** Whether {@code vaddr} lies in the section's file-backed bytes. */
    public boolean containsAddress(long vaddr) {
        return (flags & SHF_ALLOC) != 0 && vaddr >= address && vaddr - address < fileSize;
    }

    /** One of the procedure linkage table sections whose stubs jump through the GOT. */
    public boolean isPlt() {
        return name.equals(".plt") || name.equals(".plt.sec") || name.equals(".plt.got") || name.equals(".iplt");
    }
}
