package dev.lgmalloc.analysis.jvm.read;

/**
 * The bytes of one class file and where they came from.
 *
 * @param internalName the class's internal name as its location says (JAR entry or path under a directory);
 *                     for a single class file, the name in the file
 * @param origin       where it was read, e.g. {@code app.jar!/demo/Main.class}, for messages
 * @param bytes        the class file
 */
public record ClassSource(String internalName, String origin, byte[] bytes) {
}
