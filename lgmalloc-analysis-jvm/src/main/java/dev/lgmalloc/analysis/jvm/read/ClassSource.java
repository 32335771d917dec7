package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.SourceFile;

/**
 * The bytes of one class file and where they came from.
 *
 * @param internalName the class's internal name as its location says (JAR entry or path under a directory);
 *                     for a single class file, the name in the file
 * @param source       the class file, or the JAR and its entry, e.g. {@code META-INF/versions/21/demo/Main.class}
 * @param content      the class file, held or read when used
 */
public record ClassSource(String internalName, SourceFile source, ClassBytes content) {

    /** A class whose bytes are held in memory. */
    public ClassSource(String internalName, SourceFile source, byte[] bytes) {
        this(internalName, source, ClassBytes.held(bytes));
    }

    /** The class file; the caller must not change the array. */
    public byte[] bytes() {
        return content.read();
    }

    private static final String VERSIONS = "META-INF/versions/";

    /** Where it was read, e.g. {@code app.jar!/demo/Main.class}, for messages. */
    public String origin() {
        return source.describe();
    }

    /**
     * The release directory of a multi-release JAR's entry, e.g. {@code META-INF/versions/21/}; empty for a base
     * entry and for a file that is not in a JAR.
     */
    public String releaseDirectory() {
        return releaseDirectoryOf(source.entry());
    }

    /** The release directory of a JAR entry's name, e.g. {@code META-INF/versions/21/}, or empty. */
    static String releaseDirectoryOf(String entry) {
        if (!entry.startsWith(VERSIONS)) {
            return "";
        }
        int end = entry.indexOf('/', VERSIONS.length());
        return end < 0 ? "" : entry.substring(0, end + 1);
    }
}
