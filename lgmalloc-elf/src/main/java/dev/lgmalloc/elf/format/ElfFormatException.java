package dev.lgmalloc.elf.format;

/** The file is not an ELF file this reader supports, or its headers are malformed beyond use. */
public final class ElfFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
