package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A plan written ahead of time for one class path ({@code lgmalloc plan}), which the agent takes with
 * {@code plan=FILE} and applies in premain, so that even the very first start of an application is routed from
 * its first allocation: the way the JDK's AOT cache is trained once and then used.
 *
 * <p>The file names the class path it was made for by content: each file's name and a CRC32C of its bytes (of
 * every file under it, for a directory), in class path order. Routing depends on the whole program (a size can
 * be "constant from the arguments of every caller"), so a plan is applied only to the very program it was made
 * for; moving the application elsewhere keeps it valid, changing any JAR does not. Each rewritten class is also
 * checked against its own CRC as it loads ({@link RoutingPlan.ClassSites}).
 *
 * <p>Format: a header line, one {@code input} record per class path file, then a {@link PlanCache} plan.
 */
public final class PlanFile {

    private static final String HEADER = "lgmalloc-plan 1";
    private static final int MAX_DEPTH = 64;

    private PlanFile() {
    }

    /** One class path file as the plan knows it. */
    record Input(String name, long crc) {
    }

    /** What {@link #write} analysed and wrote. */
    public record Written(int classPathFiles, int sites, long analysisMillis) {
    }

    /**
     * Analyses {@code cp} as the agent would at a cold start and writes the plan to {@code out}. Every site is
     * kept with its confidence: the agent's {@code threshold} decides at start which are routed.
     *
     * @throws AnalysisException when a class path entry cannot be read or parsed
     * @throws IOException       when {@code out} cannot be written
     */
    public static Written write(ApplicationClassPath cp, Path out)
            throws AnalysisException, IOException {
        long t0 = System.nanoTime();
        AnalysedProgram program;
        try (URLClassLoader loader = loaderOf(cp)) {
            // The class path's own loader, as the application's would see it (multi-release JARs included).
            program = AgentStartup.analyse(cp, loader);
        }
        long millis = AgentStartup.millisSince(t0);
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Input in : inputsOf(cp)) {
            sb.append(Fields.join("input", in.name(), Long.toHexString(in.crc()))).append('\n');
        }
        sb.append(PlanCache.format(program));
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, sb, StandardCharsets.UTF_8);
        return new Written(cp.files().size(), program.sites().size(), millis);
    }

    /**
     * The program of the plan in {@code file}, if it was made for exactly {@code cp}.
     *
     * @throws PlanMismatchException naming what differs, or why the file cannot be used
     */
    static AnalysedProgram load(Path file, ApplicationClassPath cp) throws PlanMismatchException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PlanMismatchException("cannot read the plan file " + file + ": " + AgentLog.describe(e));
        }
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new PlanMismatchException(file + " is not an lgmalloc plan (written by 'lgmalloc plan'; expected '"
                    + HEADER + "' on its first line)");
        }
        List<Input> planned = new ArrayList<>();
        int i = 1;
        try {
            for (; i < lines.size() && lines.get(i).startsWith("input\t"); i++) {
                List<String> f = Fields.split(lines.get(i));
                planned.add(new Input(f.get(1), Long.parseUnsignedLong(f.get(2), 16)));
            }
        } catch (RuntimeException e) {
            throw new PlanMismatchException("the plan file " + file + " is damaged at line " + (i + 1) + ": "
                    + AgentLog.describe(e));
        }
        List<Input> actual;
        try {
            actual = inputsOf(cp);
        } catch (IOException e) {
            throw new PlanMismatchException("cannot read the class path to check the plan against it: "
                    + AgentLog.describe(e));
        }
        String difference = difference(planned, actual);
        if (difference != null) {
            throw new PlanMismatchException("the plan " + file + " was written for another class path: " + difference);
        }
        try {
            return PlanCache.parse(lines.subList(i, lines.size()));
        } catch (RuntimeException e) {
            throw new PlanMismatchException("the plan file " + file + " is damaged: " + AgentLog.describe(e));
        }
    }

    /** Why a plan for {@code planned} does not fit {@code actual}, or null when it does. */
    static String difference(List<Input> planned, List<Input> actual) {
        for (int i = 0; i < Math.max(planned.size(), actual.size()); i++) {
            Input p = i < planned.size() ? planned.get(i) : null;
            Input a = i < actual.size() ? actual.get(i) : null;
            if (p == null) {
                return "the class path has " + a.name() + " (entry " + (i + 1) + "), the plan has no entry there";
            }
            if (a == null) {
                return "the plan has " + p.name() + " (entry " + (i + 1) + "), the class path has no entry there";
            }
            if (!p.name().equals(a.name())) {
                return "entry " + (i + 1) + " is " + a.name() + ", the plan has " + p.name();
            }
            if (p.crc() != a.crc()) {
                return a.name() + " changed since the plan was written (its content differs)";
            }
        }
        return null;
    }

    /** Every class path file by name and content, in order. */
    static List<Input> inputsOf(ApplicationClassPath cp) throws IOException {
        List<Input> inputs = new ArrayList<>();
        for (Path p : cp.files()) {
            CRC32C crc = new CRC32C();
            if (Files.isDirectory(p)) {
                crcOfTree(p.toFile(), "", crc, 0);
            } else {
                update(crc, p);
            }
            Path name = p.getFileName();
            inputs.add(new Input(name == null ? p.toString() : name.toString(), crc.getValue()));
        }
        return inputs;
    }

    /** Each regular file's relative path and bytes, in name order, so the CRC does not depend on listing order. */
    private static void crcOfTree(File dir, String prefix, CRC32C crc, int depth) throws IOException {
        String[] names = dir.list();
        if (names == null || depth > MAX_DEPTH) {
            throw new IOException("cannot list " + dir);
        }
        Arrays.sort(names);
        for (String name : names) {
            File f = new File(dir, name);
            String relative = prefix + name;
            if (f.isDirectory()) {
                crcOfTree(f, relative + "/", crc, depth + 1);
            } else if (f.isFile()) {
                crc.update(relative.getBytes(StandardCharsets.UTF_8));
                crc.update(0);
                update(crc, f.toPath());
            }
        }
    }

    /** Adds {@code file}'s bytes to {@code crc}, a buffer at a time: a class path JAR can be large. */
    private static void update(CRC32C crc, Path file) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                crc.update(buffer, 0, n);
            }
        }
    }

    private static URLClassLoader loaderOf(ApplicationClassPath cp) throws MalformedURLException {
        URL[] urls = new URL[cp.entries().size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = cp.entries().get(i).toUri().toURL();
        }
        return new URLClassLoader("lgmalloc-plan", urls, ClassLoader.getPlatformClassLoader());
    }

    /** A plan file that cannot be applied to the running program; the message says why. */
    static final class PlanMismatchException extends Exception {
        PlanMismatchException(String message) {
            super(message);
        }
    }
}
