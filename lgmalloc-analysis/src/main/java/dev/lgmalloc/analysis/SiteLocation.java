package dev.lgmalloc.analysis;

/** Where an allocation site is: a bytecode index in a JVM method, or a call instruction in an ELF binary. */
public sealed interface SiteLocation permits JvmSiteLocation, ElfSiteLocation {

    /** A short human-readable form, such as {@code demo/Main.run(I)V @14 line 25} or {@code 0x401136 (ret 0x40113b) in main}. */
    String describe();
}
