package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Reads the class files of a classpath: JAR files (and the JARs their manifest {@code Class-Path} names,
 * transitively), directories of class files, single class files, and {@code dir/*} wildcards. Of a multi-release
 * JAR, the copy of each class the running JDK loads is read as the class; the other copies are kept apart
 * ({@link ClassPathContents#otherReleases()}). A JDK's runtime image is read directly ({@link RuntimeImage}). An unreadable file or entry becomes a warning naming it; an input that does not
 * exist, or a classpath none of whose inputs can be read, is an {@link AnalysisException}.
 */
public final class ClassPathReader {

    /** Larger entries are skipped: no class file is this big, and a hostile archive must not exhaust memory. */
    static final long MAX_CLASS_BYTES = 64L << 20;

    private static final int CLASS_MAGIC = 0xCAFEBABE;

    private final LinkedHashMap<String, ClassSource> classes = new LinkedHashMap<>();
    private final List<ClassSource> otherReleases = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<Path> seen = new HashSet<>();
    private final List<String> kinds = new ArrayList<>();
    private int manifestEntries;

    private ClassPathReader() {
    }

    /** Reads {@code entries} in order. */
    public static ClassPathContents read(List<Path> entries) throws AnalysisException {
        if (entries.isEmpty()) {
            throw new AnalysisException("nothing to analyse: no classpath entries given");
        }
        ClassPathReader reader = new ClassPathReader();
        List<String> failures = new ArrayList<>();
        for (Path entry : entries) {
            String failure = reader.readTopLevel(entry);
            if (failure != null) {
                failures.add(failure);
            }
        }
        if (reader.classes.isEmpty() && !failures.isEmpty()) {
            throw new AnalysisException(String.join("; ", failures));
        }
        reader.warnings.addAll(0, failures);
        return new ClassPathContents(reader.classes, reader.otherReleases, reader.warnings, reader.format(entries));
    }

    private String format(List<Path> entries) {
        if (entries.size() == 1 && kinds.size() == 1) {
            return kinds.getFirst() + (manifestEntries > 0 ? " with " + manifestEntries + " Class-Path entries" : "");
        }
        return "classpath of " + entries.size() + " entries";
    }

    /** Reads one given entry; returns a message when it could not be read at all. */
    private String readTopLevel(Path entry) throws AnalysisException {
        Optional<RuntimeImage> image = RuntimeImage.of(entry);
        if (image.isPresent()) {
            for (RuntimeImage.ImageClass c : image.get().read()) {
                classes.putIfAbsent(c.internalName(), new ClassSource(c.internalName(),
                        new SourceFile(image.get().description(), c.entry()), c.content()));
            }
            kinds.add("runtime image " + image.get().description());
            return null;
        }
        String name = entry.getFileName() == null ? "" : entry.getFileName().toString();
        if (name.equals("*")) {
            Path dir = entry.getParent() == null ? Path.of(".") : entry.getParent();
            if (!Files.isDirectory(dir)) {
                throw new AnalysisException("no such directory: " + dir);
            }
            try (Stream<Path> jars = Files.list(dir)) {
                for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    String failure = readFile(jar, false);
                    if (failure != null) {
                        warnings.add(failure);
                    }
                }
            } catch (IOException e) {
                return dir + ": cannot list directory: " + e.getMessage();
            }
            kinds.add("JAR directory");
            return null;
        }
        if (!Files.exists(entry)) {
            throw new AnalysisException("no such file or directory: " + entry);
        }
        return readFile(entry, true);
    }

    private String readFile(Path path, boolean topLevel) {
        Path normalized = path.toAbsolutePath().normalize();
        if (!seen.add(normalized)) {
            return null;
        }
        if (Files.isDirectory(path)) {
            kind(topLevel, "class directory");
            return readDirectory(path);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            return path + ": cannot read: " + e.getMessage();
        }
        if (head.length == 4 && ((head[0] & 0xff) << 24 | (head[1] & 0xff) << 16 | (head[2] & 0xff) << 8
                | (head[3] & 0xff)) == CLASS_MAGIC) {
            kind(topLevel, "class file");
            return readClassFile(path);
        }
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
            return readJar(path, topLevel);
        }
        return path + ": not an ELF binary, class file, JAR or directory";
    }

    /** Records what a given input was; entries reached through Class-Path count as part of their JAR. */
    private void kind(boolean topLevel, String kind) {
        if (topLevel) {
            kinds.add(kind);
        }
    }

    private String readClassFile(Path path) {
        try {
            byte[] bytes = readLimited(path);
            String name = ClassFile.of().parse(bytes).thisClass().asInternalName();
            classes.putIfAbsent(name, new ClassSource(name, SourceFile.of(path.toString()), bytes));
            return null;
        } catch (IOException e) {
            return path + ": cannot read: " + e.getMessage();
        } catch (RuntimeException e) {
            return path + ": malformed class file: " + e.getMessage();
        }
    }

    private String readDirectory(Path dir) {
        List<FoundFile> files = new ArrayList<>();
        try {
            // walkFileTree hands each file's attributes over: one stat per file instead of three.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && file.toString().endsWith(".class")) {
                        files.add(new FoundFile(file, attrs.size()));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    warnings.add(file + ": cannot read: " + e.getMessage());
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return dir + ": cannot walk directory: " + e.getMessage();
        }
        files.sort(Comparator.comparing(FoundFile::path));
        // Reading is system calls (open, read, close) per file: on several cores, files are read in parallel;
        // the results are added in name order, so the outcome does not depend on the threads.
        Object[] read = new Object[files.size()];
        IntStream.range(0, files.size()).parallel().forEach(i -> read[i] = readFound(files.get(i)));
        for (int i = 0; i < read.length; i++) {
            Path file = files.get(i).path();
            String relative = dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            if (relative.startsWith("META-INF/")) {
                continue; // versioned classes of an exploded multi-release JAR are not on the classpath
            }
            String internalName = relative.substring(0, relative.length() - ".class".length());
            if (read[i] instanceof byte[] bytes) {
                classes.putIfAbsent(internalName, new ClassSource(internalName, SourceFile.of(file.toString()), bytes));
            } else {
                warnings.add(file + ": cannot read: " + read[i]);
            }
        }
        return null;
    }

    /** The file's bytes, or the message saying why they could not be read. */
    private static Object readFound(FoundFile found) {
        if (found.size() > MAX_CLASS_BYTES) {
            return "larger than " + MAX_CLASS_BYTES + " bytes";
        }
        try (InputStream in = Files.newInputStream(found.path())) {
            return readEntry(in, found.size());
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** A class file found in a directory walk, with the size the walk saw. */
    private record FoundFile(Path path, long size) {
    }

    private static byte[] readLimited(Path file) throws IOException {
        if (Files.size(file) > MAX_CLASS_BYTES) {
            throw new IOException("larger than " + MAX_CLASS_BYTES + " bytes");
        }
        return Files.readAllBytes(file);
    }

    private String readJar(Path path, boolean topLevel) {
        List<Path> classPath = new ArrayList<>();
        // No signature verification: the analysis only reads, and verifying hashes every entry as it is read.
        try (JarFile jar = new JarFile(path.toFile(), false, ZipFile.OPEN_READ, Runtime.version())) {
            kind(topLevel, jar.isMultiRelease() ? "multi-release JAR" : "JAR");
            // versionedStream gives each class once, under its base name, at the highest version <= ours.
            List<JarEntry> entries = jar.versionedStream()
                    .filter(e -> e.getName().endsWith(".class") && !e.isDirectory()).toList();
            for (JarEntry entry : entries) {
                ClassSource read = readJarEntry(path, jar, entry, entry.getName());
                if (read != null) {
                    classes.putIfAbsent(read.internalName(), read);
                }
            }
            if (jar.isMultiRelease()) {
                readOtherReleases(path, jar);
            }
            classPath = manifestClassPath(path, jar);
        } catch (IOException | RuntimeException e) {
            // ZipException, and the IllegalStateException/IllegalArgumentException a corrupt directory can cause.
            return path + ": cannot read JAR: " + e.getMessage();
        }
        for (Path p : classPath) {
            if (Files.exists(p)) {
                manifestEntries++;
                String failure = readFile(p, false);
                if (failure != null) {
                    warnings.add(failure);
                }
            } else {
                warnings.add(path + ": Class-Path entry not found: " + p);
            }
        }
        return null;
    }

    /**
     * The copies of the JAR's classes the running JDK does not load (the base copy of a class versioned for this
     * release, versions for other releases), of the classes this JAR provides: a class an earlier classpath
     * entry provides is not this JAR's to report.
     */
    private void readOtherReleases(Path jarPath, JarFile jar) {
        // jar.stream() lists the raw entries; getJarEntry resolves a name to the version this JDK loads.
        List<JarEntry> others = jar.stream()
                .filter(e -> e.getName().endsWith(".class") && !e.isDirectory())
                .filter(e -> {
                    JarEntry loaded = jar.getJarEntry(baseName(e.getName()));
                    return loaded == null || !e.getName().equals(loaded.getRealName());
                })
                .toList();
        for (JarEntry raw : others) {
            ClassSource read = readJarEntry(jarPath, jar, raw, baseName(raw.getName()));
            ClassSource loaded = read == null ? null : classes.get(read.internalName());
            if (loaded != null && loaded.source().file().equals(read.source().file())) {
                otherReleases.add(read);
            }
        }
    }

    /** The name a multi-release JAR's entry stands for: {@code META-INF/versions/21/a/B.class} is {@code a/B.class}. */
    private static String baseName(String entryName) {
        return entryName.substring(ClassSource.releaseDirectoryOf(entryName).length());
    }

    /**
     * The class of a JAR entry that stands for {@code name} (a multi-release JAR's versioned entry stands for
     * its base name), or null (with a warning when the entry is bad) when it is none to analyse.
     */
    private ClassSource readJarEntry(Path jarPath, JarFile jar, JarEntry entry, String name) {
        if (name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
            return null;
        }
        SourceFile source = new SourceFile(jarPath.toString(), entry.getRealName());
        String origin = source.describe();
        if (entry.getSize() > MAX_CLASS_BYTES) {
            warnings.add(origin + ": skipped, larger than " + MAX_CLASS_BYTES + " bytes");
            return null;
        }
        try (InputStream in = jar.getInputStream(entry)) {
            byte[] bytes = readEntry(in, entry.getSize());
            if (bytes.length > MAX_CLASS_BYTES) {
                warnings.add(origin + ": skipped, larger than " + MAX_CLASS_BYTES + " bytes");
                return null;
            }
            String internalName = name.substring(0, name.length() - ".class".length());
            return new ClassSource(internalName, source, bytes);
        } catch (IOException | RuntimeException e) {
            warnings.add(origin + ": corrupt entry: " + e.getMessage());
            return null;
        }
    }

    /**
     * An entry's bytes: when the directory gives the size, read into an array of exactly that size (no growing
     * buffers and no final copy), then check that the stream really ends there.
     */
    private static byte[] readEntry(InputStream in, long size) throws IOException {
        if (size < 0) {
            return in.readNBytes((int) MAX_CLASS_BYTES + 1);
        }
        byte[] bytes = new byte[(int) size];
        int n = in.readNBytes(bytes, 0, bytes.length);
        if (n < bytes.length) {
            throw new IOException("entry ends after " + n + " of " + size + " bytes");
        }
        if (in.read() >= 0) {
            throw new IOException("entry is longer than its recorded " + size + " bytes");
        }
        return bytes;
    }

    /** The manifest's Class-Path entries, resolved against the JAR's directory (URLs relative to it). */
    private List<Path> manifestClassPath(Path jarPath, JarFile jar) throws IOException {
        Manifest manifest = jar.getManifest();
        String value = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        Path base = jarPath.toAbsolutePath().getParent();
        List<Path> out = new ArrayList<>();
        Deque<String> parts = new ArrayDeque<>(List.of(value.trim().split("\\s+")));
        for (String part : parts) {
            try {
                URI uri = new URI(part);
                if (uri.isAbsolute() && !"file".equals(uri.getScheme())) {
                    warnings.add(jarPath + ": Class-Path entry ignored (not a file): " + part);
                    continue;
                }
                out.add(uri.isAbsolute() ? Path.of(uri) : base.resolve(uri.getPath()).normalize());
            } catch (URISyntaxException | IllegalArgumentException e) {
                warnings.add(jarPath + ": Class-Path entry ignored (malformed): " + part);
            }
        }
        return out;
    }
}
