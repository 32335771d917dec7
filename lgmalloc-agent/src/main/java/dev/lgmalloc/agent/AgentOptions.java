package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.PlanBuilder;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The agent's options, parsed from the {@code -javaagent:lgmalloc-agent.jar=OPTIONS} string: comma-separated
 * {@code key=value} pairs and flags.
 *
 * <ul>
 *   <li>{@code mode=route} (default): configure the allocator with the plan and route confident sites;
 *       {@code mode=verify}: the same, and record the real size of every found site, reporting accuracy at exit;
 *       {@code mode=off}: do nothing (the agent stays on the command line but changes nothing).
 *       {@code off} and {@code verify} alone are short forms.</li>
 *   <li>{@code threshold=0.9}: the confidence a site needs to be routed, in (0, 1].</li>
 *   <li>{@code cache=DIR}: where plans are cached (default {@code $java.io.tmpdir/lgmalloc-cache});
 *       {@code cache=off}: always analyse, never write.</li>
 *   <li>{@code report}: print the plan at start. {@code verbose}: log each rewritten class.</li>
 *   <li>{@code report-file=PATH}: where {@code verify} writes its JSON report (default in the cache directory).</li>
 *   <li>{@code analysis=background} (default): on a cache miss in route mode, premain returns at once and the
 *       classpath is analysed on a daemon thread, which routes when it finishes if lgmalloc is still unused, and
 *       caches the plan for the next start; {@code analysis=sync}: analyse in premain, before {@code main}.
 *       {@code verify} and {@code report} always analyse in premain: they need the plan from the start.</li>
 *   <li>{@code unsafe=on} (default): transparent mode for {@code sun.misc.Unsafe}: {@code allocateMemory},
 *       {@code reallocateMemory} and {@code freeMemory} calls in every application and library class are served
 *       by lgmalloc, and a free or realloc of memory lgmalloc does not own goes to the original method;
 *       {@code unsafe=off}: leave them alone.</li>
 *   <li>{@code arena=on} (default): transparent mode for {@code Arena.ofConfined()} and {@code Arena.ofShared()}
 *       in every application and library class: they return lgmalloc arenas ({@code LgArena}) with the JDK arenas'
 *       contract; {@code arena=off}: leave them alone.</li>
 *   <li>{@code direct=on} (default): transparent mode for {@code ByteBuffer.allocateDirect(int)} (zeroed buffers of
 *       lgmalloc memory, freed when unreachable) and {@code Unsafe.invokeCleaner} (frees them early);
 *       {@code direct=off}: leave them alone.</li>
 *   <li>{@code exclude=com.example;org.other.Foo}: classes whose names start with one of these (dotted or with
 *       slashes) keep their JDK allocation calls; their frees and reallocs are still rewritten.
 *       {@code dry-run}: log what transparent mode would rewrite, class by class, and change nothing.</li>
 *   <li>{@code plan=FILE}: the plan {@code lgmalloc plan} wrote ahead of time for this class path, applied in
 *       premain so that the first start is routed from its first allocation; a plan written for another class path
 *       (any file changed) is refused with the reason, and the agent analyses as without it.</li>
 * </ul>
 *
 * @param mode       what the agent does
 * @param threshold  routing threshold
 * @param cacheDir   the plan cache directory, or null when caching is off
 * @param report     print the plan at start
 * @param verbose    log each rewritten class
 * @param reportFile where the verification report goes, or null for the default
 * @param background analyse in the background on a cache miss (route mode only)
 * @param unsafe     transparent mode for {@code sun.misc.Unsafe}: its memory calls in every application and library
 *                   class go to lgmalloc, ownership-aware
 * @param arena      transparent mode for {@code Arena.ofConfined()} and {@code Arena.ofShared()}: lgmalloc arenas
 * @param direct     transparent mode for {@code ByteBuffer.allocateDirect} and {@code Unsafe.invokeCleaner}
 * @param exclude    internal-name prefixes of classes whose JDK allocation calls transparent mode leaves alone (their
 *                   frees and reallocs are still rewritten: those send memory lgmalloc does not own to the original)
 * @param dryRun     transparent mode only logs what it would rewrite
 * @param analysisWaitMillis how long premain waits for a background analysis before letting {@code main} start:
 *                   an analysis that ends in time routes the very first start
 * @param planFile   a plan written ahead of time ({@link PlanFile}), or null
 */
public record AgentOptions(Mode mode, double threshold, Path cacheDir, boolean report, boolean verbose,
                           Path reportFile, boolean background, boolean unsafe, boolean arena, boolean direct,
                           java.util.List<String> exclude, boolean dryRun, long analysisWaitMillis,
                           Path planFile) {

    public AgentOptions {
        exclude = java.util.List.copyOf(exclude);
    }

    /** What the agent does. */
    public enum Mode {
        /** Nothing at all. */
        OFF,
        /** Configure the allocator and route confident sites. */
        ROUTE,
        /** Route, and record the real size at every found site. */
        VERIFY
    }

    /**
     * How long premain waits, by default, for a cold start's background analysis: enough for a small application's
     * classpath (a few hundred milliseconds in a cold JVM), so its first start is routed; a large classpath costs
     * its first start this much once, then runs on unrouted while the analysis goes on, and every later start
     * reads the cached plan.
     */
    public static final long DEFAULT_ANALYSIS_WAIT_MILLIS = 1000;

    /** The defaults: route at {@link PlanBuilder#DEFAULT_THRESHOLD}, cache in the temporary directory. */
    public static AgentOptions defaults() {
        return new AgentOptions(Mode.ROUTE, PlanBuilder.DEFAULT_THRESHOLD, defaultCacheDir(), false, false, null, true,
                true, true, true, java.util.List.of(), false, DEFAULT_ANALYSIS_WAIT_MILLIS, null);
    }

    static Path defaultCacheDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "lgmalloc-cache");
    }

    /**
     * Parses an options string; null or blank gives {@link #defaults()}.
     *
     * @throws IllegalArgumentException naming the option that is not understood
     */
    public static AgentOptions parse(String text) {
        Builder o = new Builder(defaults());
        if (text == null || text.isBlank()) {
            return o.build();
        }
        for (String part : text.split(",")) {
            String item = part.trim();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String key = (eq < 0 ? item : item.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : item.substring(eq + 1);
            switch (key) {
                case "off" -> o.mode = Mode.OFF;
                case "verify" -> o.mode = Mode.VERIFY;
                case "route" -> o.mode = Mode.ROUTE;
                case "mode" -> o.mode = mode(required(key, value));
                case "threshold" -> o.threshold = threshold(required(key, value));
                case "cache" -> o.cacheDir = cacheDir(required(key, value));
                case "report" -> o.report = true;
                case "verbose" -> o.verbose = true;
                case "report-file" -> o.reportFile = Path.of(required(key, value));
                case "analysis" -> o.background = choice(key, required(key, value), "background", "sync");
                case "unsafe" -> o.unsafe = onOff(key, required(key, value));
                case "arena" -> o.arena = onOff(key, required(key, value));
                case "direct" -> o.direct = onOff(key, required(key, value));
                case "exclude" -> o.exclude = prefixes(required(key, value));
                case "dry-run" -> o.dryRun = true;
                case "analysis-wait" -> o.analysisWaitMillis = millis(key, required(key, value));
                case "plan" -> o.planFile = Path.of(required(key, value));
                default -> throw new IllegalArgumentException("unknown option '" + item
                        + "' (options: mode=route|verify|off, threshold=, cache=DIR|off, report, verbose, report-file=, "
                        + "analysis=background|sync, unsafe=on|off, arena=on|off, direct=on|off, exclude=P1;P2, "
                        + "dry-run, analysis-wait=MS, plan=FILE)");
            }
        }
        return o.build();
    }

    /** The options as parse builds them, one field at a time. */
    private static final class Builder {
        Mode mode;
        double threshold;
        Path cacheDir;
        boolean report;
        boolean verbose;
        Path reportFile;
        boolean background;
        boolean unsafe;
        boolean arena;
        boolean direct;
        java.util.List<String> exclude;
        boolean dryRun;
        long analysisWaitMillis;
        Path planFile;

        Builder(AgentOptions o) {
            mode = o.mode;
            threshold = o.threshold;
            cacheDir = o.cacheDir;
            report = o.report;
            verbose = o.verbose;
            reportFile = o.reportFile;
            background = o.background;
            unsafe = o.unsafe;
            arena = o.arena;
            direct = o.direct;
            exclude = o.exclude;
            dryRun = o.dryRun;
            analysisWaitMillis = o.analysisWaitMillis;
            planFile = o.planFile;
        }

        AgentOptions build() {
            return new AgentOptions(mode, threshold, cacheDir, report, verbose, reportFile, background, unsafe, arena,
                    direct, exclude, dryRun, analysisWaitMillis, planFile);
        }
    }

    private static long millis(String key, String value) {
        try {
            long ms = Long.parseLong(value);
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw badValue(key, "a number of milliseconds, 0 or more", value);
    }

    /** {@code com.example;org/other/Foo}: dotted or internal names, each a prefix of internal class names. */
    private static java.util.List<String> prefixes(String value) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String p : value.split(";")) {
            String prefix = p.trim().replace('.', '/');
            if (!prefix.isEmpty()) {
                out.add(prefix);
            }
        }
        return out;
    }

    /** The transparent-mode families turned on. */
    java.util.Set<dev.lgmalloc.agent.transparent.TransparentRewriter.Family> transparentFamilies() {
        var families = java.util.EnumSet.noneOf(dev.lgmalloc.agent.transparent.TransparentRewriter.Family.class);
        if (unsafe) {
            families.add(dev.lgmalloc.agent.transparent.TransparentRewriter.Family.UNSAFE);
        }
        if (arena) {
            families.add(dev.lgmalloc.agent.transparent.TransparentRewriter.Family.ARENA);
        }
        if (direct) {
            families.add(dev.lgmalloc.agent.transparent.TransparentRewriter.Family.DIRECT);
        }
        return families;
    }

    /** Whether a cache miss is analysed in the background: only plain routing can start before the plan. */
    boolean analysesInBackground() {
        return background && mode == Mode.ROUTE && !report;
    }

    private static boolean onOff(String key, String value) {
        return choice(key, value, "on", "off");
    }

    /** True for {@code yes}, false for {@code no}, else an exception naming both. */
    private static boolean choice(String key, String value, String yes, String no) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals(yes) || v.equals(no)) {
            return v.equals(yes);
        }
        throw badValue(key, yes + " or " + no, value);
    }

    private static String required(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + " needs a value");
        }
        return value.trim();
    }

    private static Mode mode(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "off" -> Mode.OFF;
            case "route" -> Mode.ROUTE;
            case "verify" -> Mode.VERIFY;
            default -> throw badValue("mode", "route, verify or off", value);
        };
    }

    private static double threshold(String value) {
        return PlanBuilder.parseThreshold(value).orElseThrow(() -> badValue("threshold", "a number in (0, 1]", value));
    }

    /**
     * {@code threshold must be a number in (0, 1], not '2'}: the words of the lgmalloc command's messages (the
     * agent has no dependencies, so it cannot share their code).
     */
    private static IllegalArgumentException badValue(String key, String expected, String value) {
        return new IllegalArgumentException(key + " must be " + expected + ", not '" + value + "'");
    }

    private static Path cacheDir(String value) {
        return value.equalsIgnoreCase("off") ? null : Path.of(value);
    }
}
