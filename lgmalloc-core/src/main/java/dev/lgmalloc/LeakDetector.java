package dev.lgmalloc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds blocks that were never freed and tells where they were allocated, like LWJGL's debug allocator and
 * Netty's leak detector. Chosen at start-up with {@code -Dlgmalloc.leakDetection=MODE}:
 * <ul>
 *   <li>{@code off} (default): nothing is recorded and the allocation paths are unchanged;</li>
 *   <li>{@code sampled}: one allocation in 256 records its call site, cheap enough for production: the report
 *       shows where leaks come from, with counts scaled down by the sampling;</li>
 *   <li>{@code full}: every allocation records its call site, for tests.</li>
 * </ul>
 * When on, a report of the blocks still live is printed to standard error at exit, and {@link #report()} gives it
 * at any time. The call site is the first stack frame outside lgmalloc's allocation API.
 */
public final class LeakDetector {

    /** How much is recorded. */
    public enum Mode { OFF, SAMPLED, FULL }

    /** Live tracked blocks allocated at one call site. */
    public record Site(String site, long blocks, long bytes) {
    }

    static final Mode MODE = parseMode(System.getProperty("lgmalloc.leakDetection", "off"));
    static final boolean ENABLED = MODE != Mode.OFF;
    private static final int SAMPLE_ONE_IN = 256;

    private record Allocation(long size, String site) {
    }

    private static final Map<Long, Allocation> LIVE = new ConcurrentHashMap<>();

    static {
        if (ENABLED) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                String report = format();
                if (!report.isEmpty()) {
                    System.err.print(report);
                }
            }, "lgmalloc-leak-report"));
        }
    }

    private LeakDetector() {
    }

    /** A switch, not {@code Mode.valueOf}: its reflection would be on the first malloc's path. */
    private static Mode parseMode(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "off" -> Mode.OFF;
            case "sampled" -> Mode.SAMPLED;
            case "full" -> Mode.FULL;
            default -> {
                System.err.println("lgmalloc: -Dlgmalloc.leakDetection must be off, sampled or full, not '" + value
                        + "'; leak detection is off");
                yield Mode.OFF;
            }
        };
    }

    /** The mode this JVM runs with. */
    public static Mode mode() {
        return MODE;
    }

    static void allocated(long address, long size) {
        if (MODE == Mode.SAMPLED && ThreadLocalRandom.current().nextInt(SAMPLE_ONE_IN) != 0) {
            return;
        }
        LIVE.put(address, new Allocation(size, callSite()));
    }

    static void freed(long address) {
        LIVE.remove(address);
    }

    /** Live tracked blocks grouped by call site, most bytes first; empty when detection is off. */
    public static List<Site> report() {
        Map<String, long[]> bySite = new HashMap<>();
        for (Allocation a : LIVE.values()) {
            long[] totals = bySite.computeIfAbsent(a.site(), k -> new long[2]);
            totals[0]++;
            totals[1] += a.size();
        }
        List<Site> sites = new ArrayList<>();
        bySite.forEach((site, t) -> sites.add(new Site(site, t[0], t[1])));
        sites.sort(Comparator.comparingLong(Site::bytes).reversed().thenComparing(Site::site));
        return sites;
    }

    /** The report as text, or an empty string when nothing tracked is live. */
    public static String format() {
        List<Site> sites = report();
        if (sites.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "lgmalloc: %s leak detection: blocks still live, by allocation site%n", MODE.name().toLowerCase(
                        Locale.ROOT)));
        for (Site s : sites) {
            sb.append(String.format(Locale.ROOT, "  %,10d blocks %,14d bytes  %s%n", s.blocks(), s.bytes(), s.site()));
        }
        return sb.toString();
    }

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private static String callSite() {
        return WALKER.walk(frames -> frames
                .filter(f -> !isAllocatorFrame(f.getDeclaringClass()))
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber()
                        + ")")
                .orElse("unknown"));
    }

    /** Frames of the allocation API itself, which are never the interesting call site. */
    private static boolean isAllocatorFrame(Class<?> c) {
        return c == LgMalloc.class || c == Allocator.class || c == LgArena.class || c == LeakDetector.class
                || c.getPackageName().equals("dev.lgmalloc.internal");
    }
}
