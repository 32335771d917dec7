/**
 * lgmalloc's static analyser for ELF executables and shared objects: finds allocation call sites and predicts
 * the sizes they request. The entry point is {@link dev.lgmalloc.elf.ElfAnalyzer}; the ELF reader, the
 * instruction sets (x86-64) and the dataflow analysis are internal.
 */
module dev.lgmalloc.elf {
    requires transitive dev.lgmalloc.analysis;
    exports dev.lgmalloc.elf;
}
