package dev.lgmalloc.agent;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The cache key of a classpath: a CRC32C over every file's path, size and modification time (the files of
 * directories included), plus the agent's own JAR so that a new analyser invalidates old plans. Cheap enough
 * for every start, unlike hashing the content (which would read every JAR) or {@code MessageDigest} (whose
 * provider set-up alone costs tens of milliseconds). It runs on every start, so it uses only {@link File} and
 * {@link StringBuilder}: no streams, lambdas or {@code String.format}, each of which loads classes that a warm
 * start would otherwise not need.
 */
public final class ClassPathKey {

    /** Bump when the cache's file format or meaning changes. */
    static final int FORMAT = 1;

    private static final int MAX_DEPTH = 64;

    private ClassPathKey() {
    }

    /** The key of {@code files} as 16 hex digits (two CRCs, forward and over the reversed order, to cut collisions). */
    public static String of(List<Path> files, Path agentJar) {
        StringBuilder described = new StringBuilder("format ").append(FORMAT).append('\n');
        for (Path p : files) {
            describe(p.toFile(), described);
        }
        if (agentJar != null) {
            describe(agentJar.toFile(), described);
        }
        CRC32C forward = new CRC32C();
        forward.update(described.toString().getBytes(StandardCharsets.UTF_8));
        CRC32C backward = new CRC32C();
        backward.update(described.reverse().toString().getBytes(StandardCharsets.UTF_8));
        return hex8(forward.getValue()).concat(hex8(backward.getValue()));
    }

    private static void describe(File f, StringBuilder out) {
        if (f.isDirectory()) {
            out.append("dir ").append(f.getPath()).append('\n');
            describeTree(f, out, 0);
        } else if (f.isFile()) {
            describeFile(f, out);
        } else {
            out.append("missing ").append(f.getPath()).append('\n');
        }
    }

    /**
     * Every regular file under {@code dir}, in name order so that the key does not depend on listing order.
     * Symbolic links are followed (as the class loader does), so the depth is bounded against link cycles.
     */
    private static void describeTree(File dir, StringBuilder out, int depth) {
        String[] names = dir.list();
        if (names == null || depth > MAX_DEPTH) {
            out.append("unreadable ").append(dir.getPath()).append('\n');
            return;
        }
        Arrays.sort(names);
        for (String name : names) {
            File f = new File(dir, name);
            if (f.isDirectory()) {
                describeTree(f, out, depth + 1);
            } else if (f.isFile()) {
                describeFile(f, out);
            }
        }
    }

    private static void describeFile(File f, StringBuilder out) {
        out.append(f.getPath()).append(' ').append(f.length()).append(' ').append(f.lastModified()).append('\n');
    }

    private static String hex8(long v) {
        String h = Long.toHexString(v);
        return "00000000".substring(h.length()).concat(h);
    }
}
