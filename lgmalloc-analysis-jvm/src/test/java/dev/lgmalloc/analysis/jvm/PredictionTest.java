package dev.lgmalloc.analysis.jvm;

import static dev.lgmalloc.analysis.jvm.SiteAssertions.all;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.only;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.sizes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.AllocationPlan;
import dev.lgmalloc.analysis.SizeSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One fixture method per pattern of issue 3's value analysis, with the prediction it must get. */
class PredictionTest {

    private static final String PATTERNS = """
            package demo;
            import dev.lgmalloc.LgArena;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.Arena;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.StructLayout;
            import java.lang.foreign.ValueLayout;
            import java.nio.ByteBuffer;

            public class Patterns {
                static final long HEADER = 64;
                static final long BLOCK;
                static { BLOCK = 1024; }
                static final long PAGE = Long.getLong("page", 4096);
                static long mutable = 96;
                private static long privateMutable = 112;
                static final StructLayout POINT = MemoryLayout.structLayout(
                        ValueLayout.JAVA_INT.withName("x"), ValueLayout.JAVA_INT.withName("y"));
                static final MemoryLayout PACKET = MemoryLayout.structLayout(ValueLayout.JAVA_LONG,
                        MemoryLayout.sequenceLayout(6, ValueLayout.JAVA_SHORT), MemoryLayout.paddingLayout(4));
                static final long POINT_SIZE = POINT.byteSize();
                static final int KIND = 2;

                void literal() { LgMalloc.malloc(48); }
                void inlined() { LgMalloc.malloc(HEADER); }
                void clinitFinal() { LgMalloc.malloc(BLOCK); }
                void runtimeFinal() { LgMalloc.malloc(PAGE); }
                void nonFinal() { LgMalloc.malloc(mutable); }
                void privateNonFinal() { LgMalloc.malloc(privateMutable); }
                void otherClassFinal() { LgMalloc.malloc(Sizes.BIG); }
                void arithmetic() { long n = 3; LgMalloc.malloc((n << 4) + HEADER * 2 - 1); }
                void intArithmetic() { int k = 100; short s = (short) 70000; LgMalloc.malloc((long) (k * 3 + s)); }
                void intOverflow() { int x = 65536; LgMalloc.malloc(x * x); }
                void negative() { int x = 5; LgMalloc.malloc(x - 10); }
                void ternary(boolean c) { LgMalloc.malloc(c ? 40 : 48); }
                void switchArms(int k) {
                    switch (k) {
                        case 0 -> LgMalloc.malloc(16);
                        case 1 -> LgMalloc.malloc(17);
                        default -> LgMalloc.malloc(8000);
                    }
                }
                void switchJoin(int k) {
                    long s = switch (k) { case 0 -> 16; case 1 -> 32; default -> 64; };
                    LgMalloc.malloc(s);
                }
                void constantSwitch() {
                    long s = switch (KIND) { case 1 -> 100; case 2 -> 200; default -> 300; };
                    LgMalloc.malloc(s);
                }
                void tooManyValues(int k) {
                    long s = switch (k) {
                        case 0 -> 1; case 1 -> 2; case 2 -> 3; case 3 -> 4; case 4 -> 5;
                        case 5 -> 6; case 6 -> 7; case 7 -> 8; default -> 9;
                    };
                    LgMalloc.malloc(s);
                }
                void loopCarried() { for (long s = 16; s <= 4096; s <<= 1) { LgMalloc.malloc(s); } }
                void loopInvariant(int n) { long size = 32; for (int i = 0; i < n; i++) { LgMalloc.malloc(size); } }
                void loopChangedAfterUse(int n) {
                    long size = 16;
                    for (int i = 0; i < n; i++) { LgMalloc.malloc(size); size = 32; }
                }
                void nested(int n) {
                    for (int i = 0; i < n; i++) { for (int j = 0; j < n; j++) { LgMalloc.malloc(24); } }
                    LgMalloc.malloc(8);
                }
                void whileTrue() { long s = 8; while (true) { LgMalloc.malloc(s); if (s > 100) break; s += 8; } }
                void exceptionHandler() {
                    long s = 8;
                    try { s = 16; mayThrow(); s = 32; } catch (RuntimeException e) { LgMalloc.malloc(s); }
                }
                static void mayThrow() { }
                void calloc() { LgMalloc.calloc(10, 24); }
                void realloc(long p) { LgMalloc.realloc(p, 512); }
                void aligned() { LgMalloc.alignedAlloc(64, 200); }
                void tryMalloc() { LgMalloc.tryMalloc(72); }
                MemorySegment segment() { return LgMalloc.allocate(256, 16); }
                MemorySegment valueLayout(LgArena a) { return a.allocate(ValueLayout.JAVA_LONG); }
                MemorySegment structStatic(LgArena a) { return a.allocate(POINT); }
                MemorySegment packet(LgArena a) { return a.allocate(PACKET); }
                MemorySegment pointSize() { return LgMalloc.allocate(POINT_SIZE); }
                MemorySegment layoutArray(LgArena a) { return a.allocate(ValueLayout.JAVA_INT, 10); }
                MemorySegment inlineStruct(Arena a) {
                    return a.allocate(MemoryLayout.structLayout(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG));
                }
                MemorySegment misaligned(Arena a) {
                    return a.allocate(MemoryLayout.structLayout(ValueLayout.JAVA_BYTE, ValueLayout.JAVA_INT));
                }
                MemorySegment canonicalInt(LgArena a) { return a.allocate(CTypes.C_INT); }
                MemorySegment canonicalStruct(LgArena a) { return a.allocate(CTypes.C_PAIR); }
                MemorySegment canonicalPointers(LgArena a) { return a.allocate(CTypes.C_POINTER, 4); }
                void jdkApis(Arena arena) { arena.allocate(512); ByteBuffer.allocateDirect(8192); }
                long unsafeMemory(sun.misc.Unsafe u) { return u.allocateMemory(48); }
                void lgArenaAsArena() { Arena a = new LgArena(); a.allocate(128); }
                public void parameter(long n) { LgMalloc.malloc(n); }
                long fieldValue;
                void instanceField() { LgMalloc.malloc(fieldValue); }
                void deadBranch() { int mode = 2; if (mode == 3) { LgMalloc.malloc(99); } }
                static long chunk() { return BLOCK * 2; }
                static long pick() { return Sizes.BIG > 4096 ? HEADER : chunk(); }
                static long endless() { return endless() + 1; }
                long viaGetter() { return LgMalloc.malloc(chunk()); }
                long viaTwoGetters() { return LgMalloc.malloc(pick()); }
                long viaRecursiveGetter() { return LgMalloc.malloc(endless()); }
            }
            """;
    private static final String SIZES = """
            package demo;
            public class Sizes {
                public static final long BIG;
                static { long b = 1; for (int i = 0; i < 1; i++) { } BIG = 2048; }
            }
            """;

    /** jextract's C types: the platform's canonical layouts, typed by a cast, as its bindings declare them. */
    private static final String CTYPES = """
            package demo;
            import java.lang.foreign.AddressLayout;
            import java.lang.foreign.Linker;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.StructLayout;
            import java.lang.foreign.ValueLayout;
            public class CTypes {
                public static final ValueLayout.OfInt C_INT =
                        (ValueLayout.OfInt) Linker.nativeLinker().canonicalLayouts().get("int");
                public static final ValueLayout.OfLong C_LONG =
                        (ValueLayout.OfLong) Linker.nativeLinker().canonicalLayouts().get("long");
                public static final AddressLayout C_POINTER =
                        (AddressLayout) Linker.nativeLinker().canonicalLayouts().get("void*");
                public static final StructLayout C_PAIR = MemoryLayout.structLayout(C_INT.withName("a"),
                        MemoryLayout.paddingLayout(4), C_LONG.withName("b"), C_POINTER.withName("next"));
            }
            """;

    private static List<FoundSite> sites;

    @BeforeAll
    static void analyse() throws Exception {
        Map<String, byte[]> classes = Fixtures.compile(PATTERNS, SIZES, CTYPES);
        ClassAnalysis analysis = JvmAnalyzer.analyzeClass(classes.get("demo/Patterns"), ClassResolver.of(classes));
        assertThat(analysis.warnings()).isEmpty();
        sites = analysis.sites();
    }

    private static void assertPrediction(String method, SizeSet expected, double reliability) {
        FoundSite site = only(sites, method);
        assertThat(site.site().sizes()).as("sizes of %s", method).isEqualTo(expected);
        assertThat(site.site().reliability()).as("reliability of %s", method).isEqualTo(reliability);
    }

    @Test
    void literalsAndInlinedConstantsAreCertain() {
        assertPrediction("literal", sizes(48), 1);
        assertPrediction("inlined", sizes(64), 1);
    }

    @Test
    void staticFinalsAssignedInClinitAreSlightlyDiscounted() {
        assertPrediction("clinitFinal", sizes(1024), 0.95);
        assertPrediction("otherClassFinal", sizes(2048), 0.95);
    }

    @Test
    void staticFinalsComputedAtRunTimeAreUnknown() {
        assertPrediction("runtimeFinal", SizeSet.unknown(), 0);
    }

    @Test
    void nonFinalStaticsAreDiscountedByVisibility() {
        assertPrediction("nonFinal", sizes(96), 0.5);
        assertPrediction("privateNonFinal", sizes(112), 0.7);
    }

    @Test
    void arithmeticShiftsAndConversionsFoldWithJavaSemantics() {
        assertPrediction("arithmetic", sizes(175), 1);
        assertPrediction("intArithmetic", sizes(300 + (short) 70000), 1);
        assertPrediction("intOverflow", sizes(0), 1); // 65536 * 65536 overflows int to 0
    }

    @Test
    void negativeSizesPredictNothing() {
        FoundSite s = only(sites, "negative");
        assertThat(s.site().sizes().isKnown()).isFalse();
        assertThat(s.site().note()).contains("negative");
    }

    @Test
    void joinsAndSwitchesGiveSetsOfConstants() {
        assertPrediction("ternary", sizes(40, 48), 1);
        assertPrediction("switchJoin", sizes(16, 32, 64), 1);
        List<FoundSite> arms = all(sites, "switchArms");
        assertThat(arms).extracting(s -> s.site().sizes()).containsExactly(sizes(16), sizes(17), sizes(8000));
    }

    @Test
    void aConstantSwitchKeyTakesOnlyItsArm() {
        assertPrediction("constantSwitch", sizes(200), 1);
    }

    @Test
    void tooManyValuesWidenToUnknown() {
        assertPrediction("tooManyValues", SizeSet.unknown(), 0);
    }

    @Test
    void valuesChangedAroundALoopBecomeUnknown() {
        assertPrediction("loopCarried", SizeSet.unknown(), 0);
        assertPrediction("loopChangedAfterUse", SizeSet.unknown(), 0);
        assertPrediction("whileTrue", SizeSet.unknown(), 0);
    }

    @Test
    void loopInvariantValuesStayConstant() {
        assertPrediction("loopInvariant", sizes(32), 1);
    }

    @Test
    void loopDepthCountsEnclosingLoops() {
        assertThat(only(sites, "loopInvariant").site().loopDepth()).isEqualTo(1);
        List<FoundSite> nested = all(sites, "nested");
        assertThat(nested).extracting(s -> s.site().loopDepth()).containsExactly(2, 0);
        assertThat(only(sites, "literal").site().loopDepth()).isZero();
    }

    @Test
    void exceptionHandlersSeeTheLocalsOfTheWholeTryRange() {
        // The store of 16 cannot throw, but the JVM-level analysis conservatively includes the value before it.
        FoundSite s = only(sites, "exceptionHandler");
        assertThat(s.site().sizes()).isEqualTo(sizes(8, 16));
    }

    @Test
    void everyEntryPointUsesItsSizeArgument() {
        assertPrediction("calloc", sizes(240), 1);
        assertPrediction("realloc", sizes(512), 1);
        assertPrediction("aligned", sizes(200), 1);
        assertPrediction("tryMalloc", sizes(72), 1);
        assertPrediction("segment", sizes(256), 1);
        assertThat(only(sites, "calloc").entryPoint().callee()).isEqualTo("dev/lgmalloc/LgMalloc.calloc(JJ)J");
    }

    @Test
    void layoutSizesComeFromTheJdksOwnLayouts() {
        assertPrediction("valueLayout", sizes(8), 1);
        assertPrediction("structStatic", sizes(8), 0.95);
        assertPrediction("packet", sizes(8 + 12 + 4), 0.95);
        assertPrediction("pointSize", sizes(8), 0.95);
        assertPrediction("layoutArray", sizes(40), 1);
        assertPrediction("inlineStruct", sizes(16), 1);
    }

    @Test
    void jextractsCastCanonicalLayoutsHaveTheirCarriersSize() {
        // A static final from <clinit> (0.95) holding a layout typed by a cast (0.95: alignment assumed natural)
        assertPrediction("canonicalInt", sizes(4), 0.95);
        assertPrediction("canonicalStruct", sizes(4 + 4 + 8 + 8), 0.95);
        assertPrediction("canonicalPointers", sizes(32), 0.95);
    }

    @Test
    void staticGettersReturnWhatTheirBodiesCompute() {
        assertPrediction("viaGetter", sizes(2048), 0.95);
        assertPrediction("viaTwoGetters", sizes(64, 2048), 0.95);
        assertPrediction("viaRecursiveGetter", SizeSet.unknown(), 0);
    }

    @Test
    void layoutsTheJdkRejectsPredictNothing() {
        // structLayout(JAVA_BYTE, JAVA_INT) throws: the int member is misaligned.
        assertPrediction("misaligned", SizeSet.unknown(), 0);
    }

    @Test
    void jdkApisAreReportedNotRoutable() {
        List<FoundSite> jdk = all(sites, "jdkApis");
        assertThat(jdk).extracting(s -> s.site().sizes()).containsExactly(sizes(512), sizes(8192));
        assertThat(jdk).allMatch(s -> s.api() == AllocationApi.JDK && !s.routable());
        assertThat(jdk).extracting(s -> s.site().callee()).containsExactly(
                "java/lang/foreign/Arena.allocate(J)Ljava/lang/foreign/MemorySegment;",
                "java/nio/ByteBuffer.allocateDirect(I)Ljava/nio/ByteBuffer;");
    }

    @Test
    void unsafeAllocateMemoryIsRoutableForTransparentMode() {
        FoundSite s = only(sites, "unsafeMemory");
        assertThat(s.api()).isEqualTo(AllocationApi.JDK);
        assertThat(s.routable()).as("transparent mode serves it from lgmalloc's classes").isTrue();
        assertThat(s.site().sizes()).isEqualTo(sizes(48));
        assertThat(s.site().note()).contains("served by lgmalloc in transparent mode");
        AllocationPlan plan = JvmAnalyzer.plan(List.of(s), 0.9);
        assertThat(plan.sites().getFirst().routed()).isTrue();
        assertThat(plan.sites().getFirst().blockSize()).isEqualTo(48);
    }

    @Test
    void arenaCallsOnAnLgArenaAreLgmallocs() {
        FoundSite s = only(sites, "lgArenaAsArena");
        assertThat(s.entryPoint().owner()).isEqualTo("java/lang/foreign/Arena");
        assertThat(s.api()).isEqualTo(AllocationApi.LGMALLOC);
        assertThat(s.site().sizes()).isEqualTo(sizes(128));
        assertThat(only(sites, "valueLayout").api()).isEqualTo(AllocationApi.LGMALLOC);
    }

    @Test
    void parametersWithoutKnownCallersAndInstanceFieldsAreUnknown() {
        assertPrediction("parameter", SizeSet.unknown(), 0);
        assertPrediction("instanceField", SizeSet.unknown(), 0);
    }

    @Test
    void sitesInDeadCodeAreReportedUnknown() {
        FoundSite s = only(sites, "deadBranch");
        assertThat(s.site().sizes().isKnown()).isFalse();
        assertThat(s.site().note()).isEqualTo("unreachable");
    }

    @Test
    void sitesCarryBytecodeIndexAndLine() {
        FoundSite s = only(sites, "literal");
        assertThat(s.location().className()).isEqualTo("demo/Patterns");
        assertThat(s.location().methodDescriptor()).isEqualTo("()V");
        assertThat(s.location().bci()).isEqualTo(3); // ldc2_w 48 takes 3 bytes
        List<String> lines = PATTERNS.lines().toList();
        int line = 1 + lines.indexOf(lines.stream().filter(l -> l.contains("void literal()")).findFirst().orElseThrow());
        assertThat(s.location().line()).isEqualTo(line);
    }
}
