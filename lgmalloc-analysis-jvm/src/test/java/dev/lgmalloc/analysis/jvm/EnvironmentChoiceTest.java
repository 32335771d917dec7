package dev.lgmalloc.analysis.jvm;

import static dev.lgmalloc.analysis.jvm.SiteAssertions.only;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.sizes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.AllocationPlan;
import dev.lgmalloc.analysis.SitePrediction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Layouts chosen by the environment (the operating system, the architecture): the prediction is the set of the
 * candidates' sizes, one per platform the code can run on.
 */
class EnvironmentChoiceTest {

    /** JNA's and jnr's {@code Platform} idiom: the OS decided once, from {@code os.name}. */
    private static final String PLATFORM = """
            package demo;
            public final class Platform {
                private static final String OS = System.getProperty("os.name", "");
                private Platform() { }
                public static boolean isWindows() { return OS.startsWith("Windows"); }
                public static boolean isMac() { return OS.startsWith("Mac") || OS.startsWith("Darwin"); }
                public static boolean isFreeBSD() { return OS.startsWith("FreeBSD"); }
            }
            """;

    /**
     * jnr-posix's shape: one {@code struct stat} per OS, the one in use picked in the static initialiser (here by a
     * string switch on the OS name's first word, as jnr's {@code Platform.OS} enum does). Sizes are those of the
     * simplified members below: Linux 144, macOS 144, FreeBSD 224, Windows 56.
     */
    private static final String FILE_STAT = """
            package demo;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.StructLayout;
            import static java.lang.foreign.ValueLayout.*;
            public final class FileStat {
                static final StructLayout LINUX = MemoryLayout.structLayout(JAVA_LONG.withName("st_dev"),
                        JAVA_LONG.withName("st_ino"), JAVA_LONG.withName("st_nlink"), JAVA_INT.withName("st_mode"),
                        JAVA_INT.withName("st_uid"), JAVA_INT.withName("st_gid"), MemoryLayout.paddingLayout(4),
                        JAVA_LONG.withName("st_rdev"), JAVA_LONG.withName("st_size"), JAVA_LONG.withName("st_blksize"),
                        JAVA_LONG.withName("st_blocks"), MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("st_times"),
                        MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("reserved"));
                static final StructLayout MACOS = MemoryLayout.structLayout(JAVA_INT.withName("st_dev"),
                        JAVA_SHORT.withName("st_mode"), JAVA_SHORT.withName("st_nlink"), JAVA_LONG.withName("st_ino"),
                        JAVA_INT.withName("st_uid"), JAVA_INT.withName("st_gid"), JAVA_INT.withName("st_rdev"),
                        MemoryLayout.paddingLayout(4), MemoryLayout.sequenceLayout(8, JAVA_LONG).withName("st_times"),
                        JAVA_LONG.withName("st_size"), JAVA_LONG.withName("st_blocks"), JAVA_INT.withName("st_blksize"),
                        JAVA_INT.withName("st_flags"), JAVA_INT.withName("st_gen"), JAVA_INT.withName("st_lspare"),
                        MemoryLayout.sequenceLayout(2, JAVA_LONG).withName("st_qspare"));
                static final StructLayout FREEBSD = MemoryLayout.structLayout(
                        MemoryLayout.sequenceLayout(28, JAVA_LONG).withName("fields"));
                static final StructLayout WINDOWS = MemoryLayout.structLayout(JAVA_INT.withName("st_dev"),
                        JAVA_SHORT.withName("st_ino"), JAVA_SHORT.withName("st_mode"), JAVA_SHORT.withName("st_nlink"),
                        JAVA_SHORT.withName("st_uid"), JAVA_SHORT.withName("st_gid"), MemoryLayout.paddingLayout(2),
                        JAVA_INT.withName("st_rdev"), MemoryLayout.paddingLayout(4), JAVA_LONG.withName("st_size"),
                        MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("st_times"));
                public static final StructLayout LAYOUT;
                static {
                    String os = System.getProperty("os.name").split(" ")[0].toLowerCase();
                    LAYOUT = switch (os) {
                        case "linux" -> LINUX;
                        case "mac" -> MACOS;
                        case "freebsd" -> FREEBSD;
                        case "windows" -> WINDOWS;
                        default -> throw new UnsupportedOperationException("unsupported OS " + os);
                    };
                }
            }
            """;

    /** Netty's and Arrow's way: a size or layout picked at the allocation by a platform test. */
    private static final String USER = """
            package demo;
            import dev.lgmalloc.LgArena;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.Arena;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;
            import java.nio.ByteBuffer;
            public class User {
                static final MemoryLayout SOCKADDR = Platform.isWindows()
                        ? MemoryLayout.structLayout(ValueLayout.JAVA_SHORT, MemoryLayout.sequenceLayout(26, ValueLayout.JAVA_BYTE))
                        : MemoryLayout.structLayout(ValueLayout.JAVA_SHORT, MemoryLayout.sequenceLayout(30, ValueLayout.JAVA_BYTE));
                MemorySegment stat(Arena arena) { return arena.allocate(FileStat.LAYOUT); }
                MemorySegment statTable(LgArena arena) { return arena.allocate(FileStat.LAYOUT, 4); }
                MemorySegment sockaddr(LgArena arena) { return arena.allocate(SOCKADDR); }
                ByteBuffer ioBuffer() { return ByteBuffer.allocateDirect(Platform.isMac() ? 16384 : 8192); }
                long pointerPair() {
                    MemoryLayout l = Platform.isWindows() ? ValueLayout.JAVA_INT : ValueLayout.ADDRESS;
                    return LgMalloc.malloc(MemoryLayout.structLayout(l, l).byteSize());
                }
            }
            """;

    private static Map<String, byte[]> classes;
    private static List<FoundSite> sites;

    @BeforeAll
    static void analyse() throws Exception {
        classes = Fixtures.compile(PLATFORM, FILE_STAT, USER);
        ClassAnalysis analysis = JvmAnalyzer.analyzeClass(classes.get("demo/User"), ClassResolver.of(classes));
        assertThat(analysis.warnings()).isEmpty();
        sites = analysis.sites();
    }

    @Test
    void aStructPickedByOsNameIsTheSetOfTheCandidatesSizes() {
        FoundSite stat = only(sites, "stat");
        assertThat(stat.site().sizes()).isEqualTo(sizes(56, 144, 224));
        assertThat(stat.site().reliability()).isEqualTo(0.95);
        assertThat(stat.site().note()).startsWith("JDK API, reported only; one of 3 constants");
        assertThat(only(sites, "statTable").site().sizes()).isEqualTo(sizes(4 * 56, 4 * 144, 4 * 224));
    }

    @Test
    void theLayoutThisMachinePicksIsInTheSet() throws Exception {
        ClassLoader loader = Fixtures.loader(classes, EnvironmentChoiceTest.class.getClassLoader());
        long size = ((java.lang.foreign.MemoryLayout) Class.forName("demo.FileStat", true, loader)
                .getField("LAYOUT").get(null)).byteSize();
        assertThat(only(sites, "stat").site().sizes().values()).contains(size);
    }

    @Test
    void aLayoutPickedByAPlatformTestIsASetToo() {
        assertThat(only(sites, "sockaddr").site().sizes()).isEqualTo(sizes(28, 32));
        assertThat(only(sites, "ioBuffer").site().sizes()).isEqualTo(sizes(8192, 16384));
    }

    @Test
    void layoutsBuiltFromAChoiceAreBuiltForEachCandidate() {
        // The analysis does not know both members are the same pick, so int-then-address (12) is in the set too:
        // a superset of {8, 16}, never a set that misses a size.
        assertThat(only(sites, "pointerPair").site().sizes()).isEqualTo(sizes(8, 12, 16));
    }

    @Test
    void aSetIsRoutedOnlyWhenEnoughOfItsSizesShareOneClass() {
        List<FoundSite> lgmallocs = List.of(only(sites, "sockaddr"), only(sites, "pointerPair"),
                only(sites, "statTable"));
        AllocationPlan plan = JvmAnalyzer.plan(lgmallocs, 0.9);
        for (int i = 0; i < lgmallocs.size(); i++) {
            FoundSite site = lgmallocs.get(i);
            SitePrediction p = plan.sites().get(i);
            long[] sizes = site.site().sizes().values();
            int inBest = 0;
            for (long size : sizes) {
                inBest += plan.sizeClasses().classOf(size) == p.sizeClass() ? 1 : 0;
            }
            // The share of the set's sizes in the best class, times the reliability of the facts it rests on.
            assertThat(p.confidence()).isEqualTo(site.site().reliability() * inBest / sizes.length);
            assertThat(p.routed()).isEqualTo(p.confidence() >= 0.9);
        }
        // {28, 32} share the 32-byte class; {8, 12, 16} the 16-byte one; 4 stat structs do not share one.
        assertThat(plan.sites()).extracting(SitePrediction::routed).containsExactly(true, true, false);
    }
}
