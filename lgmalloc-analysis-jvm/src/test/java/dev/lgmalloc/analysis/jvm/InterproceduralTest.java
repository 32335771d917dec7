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

/** Constant arguments flowing into the parameters of methods whose callers are all known. */
class InterproceduralTest {

    private static final String CHAINS = """
            package demo;
            import dev.lgmalloc.LgArena;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;
            import java.util.function.LongConsumer;

            public class Chains {
                public void entry() { level1(64); level1(64); }
                private void level1(long n) { level2(n * 2); }
                private static void level2(long m) { level3(m + 8); }
                private static void level3(long k) { LgMalloc.malloc(k); }

                public void mixed() { merged(40); merged(48); }
                private void merged(long n) { LgMalloc.malloc(n); }

                public void other(long x) { fromUnknown(x); fromUnknown(16); }
                private void fromUnknown(long n) { LgMalloc.malloc(n); }

                void callPackagePrivate() { packagePrivate(100); }
                static void packagePrivate(long n) { LgMalloc.malloc(n); }

                public void startRecursion() { recursive(8); }
                private void recursive(long n) { LgMalloc.malloc(n); if (n < 1000) { recursive(n * 2); } }

                public void escapes() { LongConsumer c = this::referenced; c.accept(99); referenced(16); }
                private void referenced(long n) { LgMalloc.malloc(n); }

                public void layouts(LgArena arena) { withLayout(arena, ValueLayout.JAVA_DOUBLE); }
                private static MemorySegment withLayout(LgArena a, MemoryLayout l) { return a.allocate(l); }

                public void loopCaller(int n) { for (int i = 0; i < n; i++) { inLoop(i); } }
                private void inLoop(long n) { LgMalloc.malloc(n); }

                public void overridable(long n) { LgMalloc.malloc(n); }
                public void callsOverridable() { overridable(32); }

                public final void finalMethod(long n) { LgMalloc.malloc(n); }
                public void callsFinal() { finalMethod(56); }
            }
            """;
    private static final String BUFFER = """
            package demo;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.MemorySegment;
            public final class Buffer {
                private final MemorySegment segment;
                Buffer(long size) { segment = LgMalloc.allocate(size); }
            }
            """;
    private static final String USER = """
            package demo;
            public class User {
                Buffer small() { return new Buffer(256); }
                Buffer big() { return new Buffer(4096); }
                void chains() { new Chains().callPackagePrivate(); Chains.packagePrivate(100); }
            }
            """;

    private static Map<String, byte[]> classes;
    private static List<FoundSite> singleClass;

    @BeforeAll
    static void compile() throws Exception {
        classes = Fixtures.compile(CHAINS, BUFFER, USER);
        singleClass = JvmAnalyzer.analyzeClass(classes.get("demo/Chains"), ClassResolver.of(classes)).sites();
    }

    private static void assertPrediction(List<FoundSite> sites, String method, SizeSet expected, double reliability) {
        FoundSite site = only(sites, method);
        assertThat(site.site().sizes()).as("sizes of %s", method).isEqualTo(expected);
        assertThat(site.site().reliability()).as("reliability of %s", method).isEqualTo(reliability);
    }

    @Test
    void constantsFlowThroughThreeCallLevels() {
        assertPrediction(singleClass, "level3", sizes(64 * 2 + 8), 1);
        assertThat(only(singleClass, "level3").site().note()).contains("callers");
    }

    @Test
    void allCallersAreMerged() {
        assertPrediction(singleClass, "merged", sizes(40, 48), 1);
    }

    @Test
    void oneUnknownCallerMakesTheParameterUnknown() {
        assertPrediction(singleClass, "fromUnknown", SizeSet.unknown(), 0);
    }

    @Test
    void recursionWithChangingArgumentsIsUnknown() {
        assertPrediction(singleClass, "recursive", SizeSet.unknown(), 0);
    }

    @Test
    void methodsReachableThroughMethodHandlesHaveUnseenCallers() {
        assertPrediction(singleClass, "referenced", SizeSet.unknown(), 0);
    }

    @Test
    void layoutArgumentsFlowToo() {
        FoundSite site = only(singleClass, "withLayout");
        assertThat(site.site().sizes()).isEqualTo(sizes(8));
        assertThat(site.api()).isEqualTo(AllocationApi.LGMALLOC);
    }

    @Test
    void loopCarriedArgumentsAreUnknown() {
        assertPrediction(singleClass, "inLoop", SizeSet.unknown(), 0);
    }

    @Test
    void overridableMethodsGetNoCallerFacts() {
        assertPrediction(singleClass, "overridable", SizeSet.unknown(), 0);
    }

    @Test
    void publicMethodsAreEntryPointsWhoseCallersAreUnseen() {
        assertPrediction(singleClass, "finalMethod", SizeSet.unknown(), 0);
        assertThat(only(singleClass, "finalMethod").site().note()).contains("public entry point");
    }

    @Test
    void inOneClassNonPrivateParametersAreDiscounted() {
        assertPrediction(singleClass, "packagePrivate", sizes(100), 0.5);
    }

    @Test
    void inTheWholeProgramCallersInOtherClassesAreFound(@TempDir Path dir) throws Exception {
        Fixtures.writeTo(dir, classes);
        List<FoundSite> sites = JvmAnalyzer.analyzeDetailed(List.of(dir), 0.9).sites();
        // User is pulled in because it calls Buffer's constructor and Chains.packagePrivate.
        assertPrediction(sites, "<init>", sizes(256, 4096), 0.9);
        assertPrediction(sites, "packagePrivate", sizes(100), 0.9);
        assertPrediction(sites, "finalMethod", SizeSet.unknown(), 0); // public: open to code elsewhere
        assertPrediction(sites, "level3", sizes(136), 1);
    }

    @Test
    void inAClosedWorldPublicMethodsGetTheirCallersArguments(@TempDir Path dir) throws Exception {
        Fixtures.writeTo(dir, classes);
        List<FoundSite> sites = JvmAnalyzer.analyzeDetailed(List.of(dir), 0.9, World.CLOSED).sites();
        assertPrediction(sites, "finalMethod", sizes(56), 1);
        assertPrediction(sites, "<init>", sizes(256, 4096), 1);
        assertPrediction(sites, "packagePrivate", sizes(100), 1);
    }
}
