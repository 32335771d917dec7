package dev.lgmalloc.agent;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The application's classpath as the agent sees it before {@code main}: the {@code java.class.path} entries
 * (which, under {@code java -jar}, is the JAR alone) and, transitively, the JARs their manifests' {@code Class-Path}
 * attributes name, which the JVM adds to the class path without showing them in {@code java.class.path}.
 *
 * @param entries the given entries that exist, in order: what the analyser reads (it follows manifests itself)
 * @param files   every existing entry including the manifest-reached JARs: what the cache key covers
 */
public record ApplicationClassPath(List<Path> entries, List<Path> files) {

    public ApplicationClassPath {
        entries = List.copyOf(entries);
        files = List.copyOf(files);
    }

    /** The running JVM's application classpath. */
    public static ApplicationClassPath ofRunningJvm() {
        return of(System.getProperty("java.class.path", ""));
    }

    /** The classpath given as a {@code java.class.path} string. */
    public static ApplicationClassPath of(String classPath) {
        List<Path> entries = entriesOf(classPath);
        Set<Path> files = new LinkedHashSet<>();
        for (Path p : entries) {
            addWithManifestClassPath(p, files);
        }
        return new ApplicationClassPath(entries, List.copyOf(files));
    }

    /**
     * The existing entries of a {@code java.class.path} string, without following manifests: what a warm start
     * looks at first, since opening every JAR to read its manifest is the expensive part.
     */
    public static List<Path> entriesOf(String classPath) {
        List<Path> entries = new ArrayList<>();
        for (String s : classPath.split(File.pathSeparator)) {
            if (s.isBlank()) {
                continue;
            }
            if (s.endsWith("*")) { // a wildcard the launcher did not expand: its JARs
                entries.addAll(jarsIn(Path.of(s.substring(0, s.length() - 1))));
                continue;
            }
            Path p = Path.of(s).toAbsolutePath().normalize();
            if (Files.exists(p)) {
                entries.add(p);
            }
        }
        return List.copyOf(new LinkedHashSet<>(entries));
    }

    /** The files the manifests added: {@link #files()} that are not {@link #entries()}. */
    public List<Path> manifestFiles() {
        List<Path> out = new ArrayList<>(files);
        out.removeAll(entries);
        return out;
    }

    /** Whether there is nothing to analyse. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    private static List<Path> jarsIn(Path dir) {
        try (var s = Files.list(dir.toString().isEmpty() ? Path.of(".") : dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).map(p -> p.toAbsolutePath().normalize())
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void addWithManifestClassPath(Path p, Set<Path> files) {
        if (!files.add(p) || Files.isDirectory(p) || !p.toString().endsWith(".jar")) {
            return;
        }
        for (Path next : manifestClassPath(p)) {
            if (Files.exists(next)) {
                addWithManifestClassPath(next, files);
            }
        }
    }

    /** The JAR's manifest Class-Path entries, resolved against its directory; empty when unreadable. */
    static List<Path> manifestClassPath(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            Manifest m = jf.getManifest();
            String value = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (value == null || value.isBlank()) {
                return List.of();
            }
            Path base = jar.getParent();
            List<Path> out = new ArrayList<>();
            for (String part : value.trim().split("\\s+")) {
                try {
                    URI uri = new URI(part);
                    if (uri.isAbsolute()) {
                        if ("file".equals(uri.getScheme())) {
                            out.add(Path.of(uri).normalize());
                        }
                    } else if (base != null) {
                        out.add(base.resolve(uri.getPath()).normalize());
                    }
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // The JVM ignores malformed entries too.
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
