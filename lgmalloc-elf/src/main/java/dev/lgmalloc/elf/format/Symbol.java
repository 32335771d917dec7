package dev.lgmalloc.elf.format;

/**
 * One ELF symbol, its name without a version suffix ({@code malloc@GLIBC_2.2.5} becomes {@code malloc}).
 *
 * @param defined whether it has a section (an undefined symbol is an import)
 */
public record Symbol(String name, long value, long size, int type, int binding, boolean defined) {

    public static final int STT_NOTYPE = 0;
    public static final int STT_FUNC = 2;
    public static final int STT_GNU_IFUNC = 10;

    /** A defined function (or ifunc resolver, or an untyped code label). */
    public boolean isCode() {
        return defined && (type == STT_FUNC || type == STT_GNU_IFUNC) && value != 0;
    }
}
