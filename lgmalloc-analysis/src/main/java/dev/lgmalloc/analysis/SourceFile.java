package dev.lgmalloc.analysis;

import java.util.Objects;

/**
 * The file an allocation site was read from, and the entry inside it when the file is an archive.
 *
 * @param file  the JAR, class file or ELF binary, as the path was given or found (e.g. through a manifest's
 *              {@code Class-Path}); empty when unknown, as for a class handed to the agent by the class loader
 * @param entry the entry inside a JAR, e.g. {@code com/x/Foo.class} or {@code META-INF/versions/21/com/x/Foo.class};
 *              empty for a file that is not an archive
 */
public record SourceFile(String file, String entry) {

    /** A site whose file is not known. */
    public static final SourceFile UNKNOWN = new SourceFile("", "");

    public SourceFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(entry, "entry");
    }

    /** A file that is not an archive: a class file or an ELF binary. */
    public static SourceFile of(String file) {
        return new SourceFile(file, "");
    }

    public boolean isKnown() {
        return !file.isEmpty();
    }

    /** The file, or {@code app.jar!/com/x/Foo.class} for an entry of a JAR (the JDK's notation for JAR URLs). */
    public String describe() {
        return entry.isEmpty() ? file : file + "!/" + entry;
    }
}
