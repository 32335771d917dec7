package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.SourceFile;
import dev.lgmalloc.analysis.jvm.AllocationApi;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.FoundSite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores {@link AnalysedProgram}s as {@code <dir>/<key>.plan} text files, one record per line, fields separated
 * by tabs (escaped inside fields). A file that cannot be read or parsed counts as a miss: the agent analyses
 * again and overwrites it. Writes go to a temporary file first, so a concurrent start never reads half a plan.
 */
public final class PlanCache {

    private static final String HEADER = "lgmalloc-agent-plan " + ClassPathKey.FORMAT;

    private final Path dir;

    /** A cache in {@code dir} (created on the first store). */
    public PlanCache(Path dir) {
        this.dir = dir;
    }

    /** The file of {@code key}. */
    public Path file(String key) {
        return dir.resolve(key + ".plan");
    }

    /** The cached program of {@code key}, or empty on a miss (or an unreadable entry). */
    public Optional<AnalysedProgram> load(String key) {
        Path f = file(key);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(Files.readAllLines(f, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            AgentLog.info("ignoring unreadable plan cache " + f + ": " + AgentLog.describe(e));
            return Optional.empty();
        }
    }

    /** Stores {@code program} under {@code key}. */
    public void store(String key, AnalysedProgram program) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, key, ".tmp");
        try {
            Files.writeString(tmp, format(program), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String format(AnalysedProgram program) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        program.classCrcs().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(Fields.join("class", e.getKey(), Long.toHexString(e.getValue())))
                        .append('\n'));
        for (FoundSite f : program.sites()) {
            AllocationSite s = f.site();
            JvmSiteLocation l = f.location();
            sb.append(Fields.join("site", f.api().name(), f.entryPoint().callee(), l.className(), l.methodName(),
                    l.methodDescriptor(), Integer.toString(l.bci()), Integer.toString(l.line()),
                    Integer.toString(s.loopDepth()), Double.toString(s.reliability()), sizes(s.sizes()), s.note(),
                    l.source().file(), l.source().entry()))
                    .append('\n');
        }
        for (String w : program.warnings()) {
            sb.append(Fields.join("warning", w)).append('\n');
        }
        return sb.toString();
    }

    static AnalysedProgram parse(List<String> lines) {
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new IllegalArgumentException("not a plan of format " + ClassPathKey.FORMAT);
        }
        Map<String, Long> crcs = new LinkedHashMap<>();
        List<FoundSite> sites = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = Fields.split(line);
            switch (f.getFirst()) {
                case "class" -> crcs.put(f.get(1), Long.parseUnsignedLong(f.get(2), 16));
                case "site" -> sites.add(site(f));
                case "warning" -> warnings.add(f.get(1));
                default -> throw new IllegalArgumentException("unknown record: " + f.getFirst());
            }
        }
        return new AnalysedProgram(sites, crcs, warnings);
    }

    private static FoundSite site(List<String> f) {
        AllocationApi api = AllocationApi.valueOf(f.get(1));
        EntryPoint ep = EntryPoints.byCallee(f.get(2))
                .orElseThrow(() -> new IllegalArgumentException("unknown entry point " + f.get(2)));
        // The file and JAR entry come last: a report from the cache names them as a fresh analysis does.
        JvmSiteLocation loc = new JvmSiteLocation(f.get(3), f.get(4), f.get(5), Integer.parseInt(f.get(6)),
                Integer.parseInt(f.get(7)), f.size() > 13 ? new SourceFile(f.get(12), f.get(13)) : SourceFile.UNKNOWN);
        AllocationSite s = new AllocationSite(loc, ep.callee(), List.of(), parseSizes(f.get(10)),
                Double.parseDouble(f.get(9)), Integer.parseInt(f.get(8)), f.get(11));
        return new FoundSite(s, ep, api);
    }

    static String sizes(SizeSet s) {
        if (!s.isKnown()) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        for (long v : s.values()) {
            sb.append(sb.isEmpty() ? "" : ",").append(v);
        }
        return sb.toString();
    }

    static SizeSet parseSizes(String text) {
        if (text.equals("?")) {
            return SizeSet.unknown();
        }
        String[] parts = text.split(",");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return SizeSet.of(values);
    }
}
