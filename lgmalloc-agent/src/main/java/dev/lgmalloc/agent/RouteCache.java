package dev.lgmalloc.agent;

import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The warm-start cache: {@code <dir>/<key>.routes} holds what the transformer and the allocator need in route
 * mode, already computed from the plan at one threshold: the allocator's exact and provisioned sizes, and per
 * class the fast-path sites with their class indices (not their predicted sizes, which routing does not use: those
 * sites carry {@link SizeSet#unknown()}). Loading it needs no plan building, no analysis model beyond
 * three small records, no {@code Double} parsing, no streams and no lambdas, which is most of what a start with
 * a cached {@code .plan} used to spend.
 *
 * <p>The file is derived data: it names the manifest-reached files ({@link #file}), the threshold, and the size
 * and modification time of the {@code .plan}
 * and {@code .profile} files it was computed from; when any differs (a new profile after a verification run, an
 * edited plan, another threshold) it is a miss and the agent rebuilds it from the plan. Any parse error is a
 * miss too.
 */
final class RouteCache {

    private static final String HEADER = "lgmalloc-agent-routes 1";

    /**
     * What a warm start applies.
     *
     * @param configuration the allocator configuration
     * @param classes       fast-path sites per class, by internal name
     * @param summary       the plan summary for the {@code verbose} line
     */
    record Routes(AllocatorConfiguration configuration, Map<String, RoutingPlan.ClassSites> classes, String summary) {
    }

    private RouteCache() {
    }

    /**
     * The routes file of a classpath, named by the key of its {@code java.class.path} entries alone
     * ({@code entryKey}): a warm start finds it without opening any JAR to follow manifest {@code Class-Path}
     * attributes. The file names the full key (of every file, the manifest-reached ones included) and those
     * files, whose sizes and modification times are checked instead.
     */
    static Path file(Path dir, String entryKey) {
        return dir.resolve(entryKey.concat(".routes"));
    }

    /** The routes of a classpath at {@code threshold}, or null when there are none or they are stale. */
    static Routes load(Path dir, String entryKey, double threshold) {
        File f = file(dir, entryKey).toFile();
        if (!f.isFile()) {
            return null;
        }
        try {
            return parse(Files.readAllBytes(f.toPath()), dir, threshold);
        } catch (IOException | RuntimeException e) {
            AgentLog.info("ignoring unreadable route cache " + f + ": " + AgentLog.describe(e));
            return null;
        }
    }

    /**
     * Stores the routes of {@code plan}, computed from the current plan and profile files of the full {@code key}.
     *
     * @param entryKey      the key of the {@code java.class.path} entries alone (names the file)
     * @param key           the full key (names the plan and profile files)
     * @param manifestFiles the files reached through manifests, part of {@code key} but not of {@code entryKey}
     */
    static void store(Path dir, String entryKey, String key, List<Path> manifestFiles, double threshold,
                      RoutingPlan plan, String summary) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, entryKey, ".tmp");
        try {
            String text = classPathLine(key, manifestFiles) + '\n' + format(plan, basis(dir, key, threshold), summary);
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file(dir, entryKey), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(dir, entryKey), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The full key, the manifest-reached files, and the key of those files' sizes and modification times. */
    private static String classPathLine(String key, List<Path> manifestFiles) {
        String[] fields = new String[3 + manifestFiles.size()];
        fields[0] = "classpath";
        fields[1] = key;
        fields[2] = ClassPathKey.of(manifestFiles, null);
        for (int i = 0; i < manifestFiles.size(); i++) {
            fields[3 + i] = manifestFiles.get(i).toString();
        }
        return Fields.join(fields);
    }

    /** What the routes were computed from: threshold, plan file and profile file (size and modification time). */
    static String basis(Path dir, String key, double threshold) {
        return Fields.join("basis", Long.toHexString(Double.doubleToLongBits(threshold)),
                fingerprint(dir.resolve(key.concat(".plan")).toFile()),
                fingerprint(dir.resolve(key.concat(".profile")).toFile()));
    }

    private static String fingerprint(File f) {
        return f.isFile() ? Long.toString(f.length()).concat(":").concat(Long.toString(f.lastModified())) : "none";
    }

    static String format(RoutingPlan plan, String basis, String summary) {
        AllocatorConfiguration c = plan.configuration();
        StringBuilder sb = new StringBuilder(HEADER).append('\n').append(basis).append('\n');
        sb.append(Fields.join("config", longs(exactSizes(plan)), longs(c.provisionedBlockSizes()),
                Long.toHexString(blockSizesCrc(c)))).append('\n');
        sb.append(Fields.join("summary", summary)).append('\n');
        for (Map.Entry<String, RoutingPlan.ClassSites> e : plan.classes().entrySet()) {
            List<PlannedSite> fast = new ArrayList<>();
            for (PlannedSite s : e.getValue().sites()) {
                if (s.fastPath()) {
                    fast.add(s);
                }
            }
            if (fast.isEmpty()) {
                continue; // route mode rewrites nothing else
            }
            sb.append(Fields.join("class", e.getKey(), Long.toHexString(e.getValue().crc()))).append('\n');
            for (PlannedSite s : fast) {
                JvmSiteLocation l = s.location();
                sb.append(Fields.join("site", Integer.toString(s.id()), l.methodName(), l.methodDescriptor(),
                        Integer.toString(l.bci()), Integer.toString(l.line()), s.entryPoint().callee(),
                        Integer.toString(s.sizeClass()), Integer.toString(s.blockSize()),
                        Long.toHexString(Double.doubleToLongBits(s.confidence())))).append('\n');
            }
        }
        return sb.toString();
    }

    static Routes parse(byte[] bytes, Path dir, double threshold) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
        if (lines.length < 5 || !lines[1].equals(HEADER)) {
            return null;
        }
        List<String> cp = Fields.split(lines[0]);
        if (cp.size() < 3 || !cp.getFirst().equals("classpath")) {
            throw new IllegalArgumentException("malformed classpath record");
        }
        List<Path> manifestFiles = new ArrayList<>();
        for (int i = 3; i < cp.size(); i++) {
            manifestFiles.add(Path.of(cp.get(i)));
        }
        if (!ClassPathKey.of(manifestFiles, null).equals(cp.get(2))) {
            return null; // a JAR reached through a manifest changed: the full key may have too
        }
        if (!lines[2].equals(basis(dir, cp.get(1), threshold))) {
            return null;
        }
        List<String> config = Fields.split(lines[3]);
        List<String> summary = Fields.split(lines[4]);
        if (config.size() != 4 || !config.getFirst().equals("config") || summary.size() != 2) {
            throw new IllegalArgumentException("malformed header");
        }
        AllocatorConfiguration c = AllocatorConfiguration.defaults().withExactSizes(parseLongs(config.get(1)))
                .withProvisionedSizes(parseLongs(config.get(2)));
        if (blockSizesCrc(c) != Long.parseUnsignedLong(config.get(3), 16)) {
            return null; // another core with other standard classes: the stored class indices would be wrong
        }
        Map<String, RoutingPlan.ClassSites> classes = new HashMap<>();
        String cls = null;
        long crc = 0;
        List<PlannedSite> sites = new ArrayList<>();
        for (int i = 5; i < lines.length; i++) {
            List<String> f = Fields.split(lines[i]);
            switch (f.getFirst()) {
                case "class" -> {
                    addClass(classes, cls, crc, sites);
                    cls = f.get(1);
                    crc = Long.parseUnsignedLong(f.get(2), 16);
                    sites = new ArrayList<>();
                }
                case "site" -> sites.add(site(cls, f));
                default -> throw new IllegalArgumentException("unknown record: " + f.getFirst());
            }
        }
        addClass(classes, cls, crc, sites);
        return new Routes(c, classes, summary.get(1));
    }

    private static void addClass(Map<String, RoutingPlan.ClassSites> classes, String cls, long crc,
                                 List<PlannedSite> sites) {
        if (cls != null) {
            classes.put(cls, new RoutingPlan.ClassSites(crc, sites));
        }
    }

    private static PlannedSite site(String cls, List<String> f) {
        if (cls == null || f.size() != 10) {
            throw new IllegalArgumentException("site record outside a class, or with " + f.size() + " fields");
        }
        EntryPoint ep = EntryPoints.byCallee(f.get(6)).orElse(null);
        if (ep == null || !FastPaths.has(ep)) {
            throw new IllegalArgumentException("no fast path for " + f.get(6));
        }
        JvmSiteLocation loc = new JvmSiteLocation(cls, f.get(2), f.get(3), Integer.parseInt(f.get(4)),
                Integer.parseInt(f.get(5)));
        // No sizes: routing needs only the class, and SizeSet.of sorts with a LongStream (some 30 classes to load).
        return new PlannedSite(Integer.parseInt(f.get(1)), loc, ep, SizeSet.unknown(), Integer.parseInt(f.get(7)),
                Integer.parseInt(f.get(8)), Double.longBitsToDouble(Long.parseUnsignedLong(f.get(9), 16)), true, true);
    }

    private static long[] exactSizes(RoutingPlan plan) {
        int[] exact = plan.plan().exactSizes();
        long[] out = new long[exact.length];
        for (int i = 0; i < exact.length; i++) {
            out[i] = exact[i];
        }
        return out;
    }

    private static long blockSizesCrc(AllocatorConfiguration c) {
        CRC32C crc = new CRC32C();
        for (int b : c.sizeClasses().blockSizes()) {
            crc.update(b >>> 24);
            crc.update(b >>> 16);
            crc.update(b >>> 8);
            crc.update(b);
        }
        return crc.getValue();
    }

    private static String longs(long[] values) {
        StringBuilder sb = new StringBuilder();
        for (long v : values) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(v);
        }
        return sb.toString();
    }

    private static long[] parseLongs(String text) {
        if (text.isEmpty()) {
            return new long[0];
        }
        String[] parts = text.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }
}
