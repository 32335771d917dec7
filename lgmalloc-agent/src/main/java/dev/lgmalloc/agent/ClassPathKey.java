package dev.lgmalloc.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The cache key of a classpath: a CRC32C over every file's path, size and modification time (the files of
 * directories included), plus the agent's own JAR so that a new analyser invalidates old plans. Cheap enough
 * for every start, unlike hashing the content (which would read every JAR) or {@code MessageDigest} (whose
 * provider set-up alone costs tens of milliseconds).
 */
public final class ClassPathKey {

    /** Bump when the cache's file format or meaning changes. */
    static final int FORMAT = 1;

    private ClassPathKey() {
    }

    /** The key of {@code files} as 16 hex digits (two CRCs, forward and over the reversed order, to cut collisions). */
    public static String of(List<Path> files, Path agentJar) {
        CRC32C forward = new CRC32C();
        CRC32C backward = new CRC32C();
        update(forward, "format " + FORMAT);
        List<Path> all = new java.util.ArrayList<>(files);
        if (agentJar != null) {
            all.add(agentJar);
        }
        StringBuilder described = new StringBuilder();
        for (Path p : all) {
            describe(p, described);
        }
        update(forward, described.toString());
        update(backward, new StringBuilder(described).reverse().toString());
        return String.format("%08x%08x", forward.getValue(), backward.getValue());
    }

    private static void describe(Path p, StringBuilder out) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (a.isDirectory()) {
                out.append("dir ").append(p).append('\n');
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(f -> describeFile(f, out));
                }
            } else {
                describeFile(p, out);
            }
        } catch (IOException | UncheckedIOException e) {
            out.append("missing ").append(p).append('\n');
        }
    }

    private static void describeFile(Path f, StringBuilder out) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            out.append(f).append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis()).append('\n');
        } catch (IOException e) {
            out.append("unreadable ").append(f).append('\n');
        }
    }

    private static void update(CRC32C crc, String s) {
        crc.update(s.getBytes(StandardCharsets.UTF_8));
    }
}
