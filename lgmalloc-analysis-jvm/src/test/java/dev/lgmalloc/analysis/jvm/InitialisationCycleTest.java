package dev.lgmalloc.analysis.jvm;

import static dev.lgmalloc.analysis.jvm.SiteAssertions.only;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.sizes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.SizeSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classes whose static initialisers read each other's fields, evaluated the way the JVM initialises them (JVMS
 * 5.5): whichever comes first runs its initialiser, the other runs inside it and sees its fields as they are then.
 */
class InitialisationCycleTest {

    /**
     * A hand-written binding's shape (as in FFM ports of Netty's and Arrow's native parts): the C types in one
     * class, the structs in another, and a size in the first computed from a struct of the second.
     */
    private static final String NATIVE_TYPES = """
            package demo;
            import java.lang.foreign.AddressLayout;
            import java.lang.foreign.Linker;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.ValueLayout;
            public final class NativeTypes {
                public static final ValueLayout.OfShort C_SHORT =
                        (ValueLayout.OfShort) Linker.nativeLinker().canonicalLayouts().get("short");
                public static final ValueLayout.OfInt C_INT =
                        (ValueLayout.OfInt) Linker.nativeLinker().canonicalLayouts().get("int");
                public static final AddressLayout C_POINTER =
                        ((AddressLayout) Linker.nativeLinker().canonicalLayouts().get("void*"))
                                .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));
                public static final long SOCKADDR_IN_SIZE = Structs.SOCKADDR_IN.byteSize();
            }
            """;
    private static final String STRUCTS = """
            package demo;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.StructLayout;
            import java.lang.foreign.ValueLayout;
            public final class Structs {
                public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
                        NativeTypes.C_SHORT.withName("sin_family"), NativeTypes.C_SHORT.withName("sin_port"),
                        NativeTypes.C_INT.withName("sin_addr"),
                        MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"));
                public static final StructLayout IOVEC = MemoryLayout.structLayout(
                        NativeTypes.C_POINTER.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"));
            }
            """;

    /**
     * Sizes whose value depends on the order: {@code Frames} first makes {@code Limits} read {@code PAYLOAD} while
     * it is still 0, so {@code MAX_FRAME} is 16 then and 80 when {@code Limits} comes first.
     */
    private static final String LIMITS = """
            package demo;
            import java.nio.ByteBuffer;
            public final class Limits {
                static final int HEADER;
                static final int MAX_FRAME;
                static final ByteBuffer SCRATCH;
                static {
                    HEADER = 16;
                    SCRATCH = ByteBuffer.allocateDirect(Frames.PAYLOAD);
                    MAX_FRAME = Frames.PAYLOAD + HEADER;
                }
            }
            """;
    private static final String FRAMES = """
            package demo;
            public final class Frames {
                static final int PAYLOAD;
                static { PAYLOAD = 4 * Limits.HEADER; }
            }
            """;

    /** jextract's split header: the C types in {@code foo_h$shared}, read through the leaf {@code foo_h}. */
    private static final String FOO_H_SHARED = """
            package demo;
            import java.lang.foreign.AddressLayout;
            import java.lang.foreign.Linker;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.ValueLayout;
            public class foo_h$shared {
                foo_h$shared() { }
                public static final ValueLayout.OfChar C_CHAR_UNUSED = ValueLayout.JAVA_CHAR;
                public static final ValueLayout.OfByte C_CHAR =
                        (ValueLayout.OfByte) Linker.nativeLinker().canonicalLayouts().get("char");
                public static final ValueLayout.OfInt C_INT =
                        (ValueLayout.OfInt) Linker.nativeLinker().canonicalLayouts().get("int");
                public static final ValueLayout.OfLong C_LONG =
                        (ValueLayout.OfLong) Linker.nativeLinker().canonicalLayouts().get("long");
                public static final AddressLayout C_POINTER =
                        ((AddressLayout) Linker.nativeLinker().canonicalLayouts().get("void*"))
                                .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, C_CHAR));
                static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");
            }
            """;
    private static final String FOO_H_1 = """
            package demo;
            import java.lang.foreign.ValueLayout;
            public class foo_h_1 extends foo_h$shared {
                foo_h_1() { }
                public static final ValueLayout.OfInt int32_t = foo_h.C_INT;
                public static final ValueLayout.OfLong ssize_t = foo_h.C_LONG;
            }
            """;
    /** The leaf header class: the typedefs of its part of the header, one of them a struct's. */
    private static final String FOO_H = """
            package demo;
            import java.lang.foreign.GroupLayout;
            import java.lang.foreign.ValueLayout;
            public class foo_h extends foo_h_1 {
                foo_h() { }
                public static final ValueLayout.OfLong time_t = foo_h.C_LONG;
                public static final GroupLayout timeval_t = timeval.layout();
            }
            """;
    /**
     * A struct as jextract 22 generates it: its layout built from the header's typedefs (so its initialiser and
     * the header's start each other's), reached through {@code layout()}.
     */
    private static final String TIMEVAL = """
            package demo;
            import java.lang.foreign.GroupLayout;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.SegmentAllocator;
            public class timeval {
                timeval() { }
                private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
                        foo_h.time_t.withName("tv_sec"), foo_h.C_LONG.withName("tv_usec")).withName("timeval");
                public static final GroupLayout layout() { return $LAYOUT; }
                public static MemorySegment allocate(SegmentAllocator allocator) { return allocator.allocate(layout()); }
                public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {
                    return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
                }
            }
            """;

    private static final String USER = """
            package demo;
            import dev.lgmalloc.LgArena;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.Arena;
            import java.lang.foreign.MemorySegment;
            public class User {
                MemorySegment sockaddr(LgArena arena) { return arena.allocate(Structs.SOCKADDR_IN); }
                long sockaddrSize() { return LgMalloc.malloc(NativeTypes.SOCKADDR_IN_SIZE); }
                MemorySegment iovecs(LgArena arena) { return arena.allocate(Structs.IOVEC, 8); }
                long maxFrame() { return LgMalloc.malloc(Limits.MAX_FRAME); }
                long payload() { return LgMalloc.malloc(Frames.PAYLOAD); }
                long header() { return LgMalloc.malloc(Limits.HEADER); }
                MemorySegment timevalStruct(Arena arena) { return arena.allocate(timeval.layout()); }
                MemorySegment timevalTypedef(LgArena arena) { return arena.allocate(foo_h.timeval_t); }
                MemorySegment int32(LgArena arena) { return arena.allocate(foo_h.int32_t, 16); }
            }
            """;

    /** The same reads in the other order: the analysis must not depend on which class it meets first. */
    private static final String FRAMES_FIRST = """
            package demo;
            import dev.lgmalloc.LgMalloc;
            public class FramesFirst {
                long payload() { return LgMalloc.malloc(Frames.PAYLOAD); }
                long maxFrame() { return LgMalloc.malloc(Limits.MAX_FRAME); }
            }
            """;

    private static Map<String, byte[]> classes;
    private static List<FoundSite> sites;

    @BeforeAll
    static void analyse() throws Exception {
        classes = Fixtures.compile(NATIVE_TYPES, STRUCTS, LIMITS, FRAMES, FOO_H_SHARED, FOO_H_1, FOO_H, TIMEVAL, USER,
                FRAMES_FIRST);
        ClassAnalysis analysis = JvmAnalyzer.analyzeClass(classes.get("demo/User"), ClassResolver.of(classes));
        assertThat(analysis.warnings()).isEmpty();
        sites = analysis.sites();
    }

    private static void assertPrediction(List<FoundSite> in, String method, SizeSet expected, double reliability) {
        FoundSite site = only(in, method);
        assertThat(site.site().sizes()).as("sizes of %s", method).isEqualTo(expected);
        assertThat(site.site().reliability()).as("reliability of %s", method).isEqualTo(reliability);
    }

    @Test
    void layoutsOfClassesThatReadEachOtherResolve() {
        // Whichever class comes first, the C types are assigned before Structs can read them; SOCKADDR_IN is null
        // only to a reader whose use of it throws.
        assertPrediction(sites, "sockaddr", sizes(16), 0.95);
        assertPrediction(sites, "sockaddrSize", sizes(16), 0.95);
        assertPrediction(sites, "iovecs", sizes(8 * 16), 0.95);
    }

    @Test
    void aValueThatDependsOnWhichClassComesFirstIsTheSetOfBoth() {
        assertPrediction(sites, "maxFrame", sizes(16, 80), 0.95);
        assertPrediction(sites, "payload", sizes(64), 0.95);
        assertPrediction(sites, "header", sizes(16), 0.95);
    }

    @Test
    void theOrderInWhichTheAnalysisMeetsTheClassesDoesNotMatter() throws Exception {
        List<FoundSite> framesFirst = JvmAnalyzer.analyzeClass(classes.get("demo/FramesFirst"),
                ClassResolver.of(classes)).sites();
        assertPrediction(framesFirst, "payload", sizes(64), 0.95);
        assertPrediction(framesFirst, "maxFrame", sizes(16, 80), 0.95);
    }

    @Test
    void anInitialiserSiteSeesTheDefaultOfAFieldStillBeingAssigned(@TempDir Path dir) throws Exception {
        Fixtures.writeTo(dir, classes);
        List<FoundSite> whole = JvmAnalyzer.analyzeDetailed(List.of(dir), 0.9).sites();
        // Frames first: Limits' initialiser runs inside Frames' and reads PAYLOAD as 0.
        FoundSite scratch = only(whole.stream().filter(s -> !s.location().className().equals("demo/timeval")
                && !s.location().className().startsWith("demo/foo_h")).toList(), "<clinit>");
        assertThat(scratch.location().className()).isEqualTo("demo/Limits");
        assertThat(scratch.site().sizes()).isEqualTo(sizes(0, 64));
    }

    /** Loads the fixtures afresh, initialises {@code first}, then reads {@code owner.field} as the JVM has it. */
    private static Object initialiseThenRead(String first, String owner, String field) throws Exception {
        ClassLoader loader = Fixtures.loader(classes, InitialisationCycleTest.class.getClassLoader());
        Class.forName(first.replace('/', '.'), true, loader);
        java.lang.reflect.Field f = Class.forName(owner.replace('/', '.'), true, loader).getDeclaredField(field);
        f.setAccessible(true);
        return f.get(null);
    }

    @Test
    void everyOrderTheJvmCanTakeGivesAPredictedValue() throws Exception {
        // The JVM itself, both ways round: each value it ends with is in the prediction.
        assertThat(initialiseThenRead("demo/Limits", "demo/Limits", "MAX_FRAME")).isEqualTo(80);
        assertThat(initialiseThenRead("demo/Frames", "demo/Limits", "MAX_FRAME")).isEqualTo(16);
        assertThat(only(sites, "maxFrame").site().sizes()).isEqualTo(sizes(16, 80));
        assertThat(initialiseThenRead("demo/Frames", "demo/Limits", "SCRATCH"))
                .extracting(b -> ((java.nio.ByteBuffer) b).capacity()).isEqualTo(0);
        assertThat(initialiseThenRead("demo/Limits", "demo/Limits", "SCRATCH"))
                .extracting(b -> ((java.nio.ByteBuffer) b).capacity()).isEqualTo(64);
        // Structs first: NativeTypes reads SOCKADDR_IN while it is null and its initialiser throws, so no size
        // ever comes from the null; NativeTypes first: the predicted 16.
        assertThat(((java.lang.foreign.MemoryLayout) initialiseThenRead("demo/NativeTypes", "demo/Structs",
                "SOCKADDR_IN")).byteSize()).isEqualTo(16);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> initialiseThenRead("demo/Structs", "demo/NativeTypes", "SOCKADDR_IN_SIZE"))
                .isInstanceOf(ExceptionInInitializerError.class);
        // jextract's header and struct: the struct is 16 bytes whichever comes first; the header's typedef is
        // null when the struct comes first (it is reported unknown, never 16 alone).
        for (String first : List.of("demo/foo_h", "demo/timeval")) {
            assertThat(((java.lang.foreign.MemoryLayout) initialiseThenRead(first, "demo/timeval", "$LAYOUT"))
                    .byteSize()).isEqualTo(16);
        }
        assertThat(initialiseThenRead("demo/timeval", "demo/foo_h", "timeval_t")).isNull();
    }

    @Test
    void jextractsSplitHeaderAndItsStructsResolve() {
        assertPrediction(sites, "timevalStruct", sizes(16), 0.95);
        assertPrediction(sites, "int32", sizes(64), 0.95);
        // A getter's result inside an initialiser is not used: the getter could run while its class is still
        // being initialised (the header and the struct start each other's initialisation).
        assertPrediction(sites, "timevalTypedef", SizeSet.unknown(), 0);
    }

    @Test
    void jextractsOwnAllocationHelpersResolve(@TempDir Path dir) throws Exception {
        Fixtures.writeTo(dir, classes);
        List<FoundSite> whole = JvmAnalyzer.analyzeDetailed(List.of(dir), 0.9).sites();
        assertPrediction(whole, "allocate", sizes(16), 0.95);
        // The element count is the public method's parameter: any caller outside may pass any count.
        assertPrediction(whole, "allocateArray", SizeSet.unknown(), 0);
    }
}
