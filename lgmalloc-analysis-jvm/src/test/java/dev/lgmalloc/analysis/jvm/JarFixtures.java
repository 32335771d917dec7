package dev.lgmalloc.analysis.jvm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Writes JAR files for tests. */
final class JarFixtures {

    private JarFixtures() {
    }

    /**
     * Writes a JAR with the given entries (path to bytes) and manifest attributes (may be empty).
     */
    static Path jar(Path file, Map<String, byte[]> entries, Map<String, String> manifestAttributes) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifestAttributes.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return file;
    }

    /** The class files as JAR entries ({@code demo/A} becomes {@code demo/A.class}), under {@code prefix}. */
    static Map<String, byte[]> entries(String prefix, Map<String, byte[]> classes) {
        java.util.TreeMap<String, byte[]> out = new java.util.TreeMap<>();
        classes.forEach((name, bytes) -> out.put(prefix + name + ".class", bytes));
        return out;
    }
}
