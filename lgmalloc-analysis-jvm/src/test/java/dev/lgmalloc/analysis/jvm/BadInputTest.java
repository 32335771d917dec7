package dev.lgmalloc.analysis.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.lgmalloc.analysis.AnalysisException;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Malformed classes: a clear {@link AnalysisException} or a warning, never another exception or a hang. */
class BadInputTest {

    private static final String SOURCE = """
            package demo;
            import dev.lgmalloc.LgMalloc;
            import java.lang.foreign.MemoryLayout;
            import java.lang.foreign.ValueLayout;
            public class Victim {
                static final long SIZE;
                static final MemoryLayout L = MemoryLayout.structLayout(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG);
                static { SIZE = 128; }
                void a(boolean c) { LgMalloc.malloc(c ? 40 : 48); }
                void b(int n) { for (int i = 0; i < n; i++) { LgMalloc.malloc(SIZE + i); } }
                void c() { try { LgMalloc.malloc(L.byteSize()); } catch (RuntimeException e) { helper(8); } }
                private void helper(long n) { switch ((int) n) { case 1 -> LgMalloc.calloc(n, 2); default -> { } } }
            }
            """;

    private static byte[] victim;

    @BeforeAll
    static void compile() {
        victim = Fixtures.compile(SOURCE).get("demo/Victim");
    }

    @Test
    void theIntactVictimIsAnalysedCleanly() throws Exception {
        ClassAnalysis a = JvmAnalyzer.analyzeClass(victim, ClassResolver.none());
        assertThat(a.warnings()).isEmpty();
        assertThat(a.sites()).hasSize(4);
    }

    @Test
    void aClassFileWhoseOnlyClassIsMalformedIsAnAnalysisExceptionNotZeroSites(@TempDir Path dir) throws Exception {
        byte[] broken = victim.clone();
        int name = indexOf(broken, "helper".getBytes(StandardCharsets.US_ASCII));
        broken[name] = (byte) 0xff;                      // never valid in modified UTF-8
        Path file = Files.write(dir.resolve("Victim.class"), broken);
        assertThatThrownBy(() -> JvmAnalyzer.analyze(List.of(file), 0.9)).isInstanceOf(AnalysisException.class)
                .hasMessageStartingWith(file + ": malformed class file");
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void truncatedClassIsAnAnalysisException() {
        byte[] truncated = Arrays.copyOf(victim, 40);
        assertThatThrownBy(() -> JvmAnalyzer.analyzeClass(truncated, ClassResolver.none()))
                .isInstanceOf(AnalysisException.class).hasMessageContaining("malformed class file");
    }

    @Test
    void garbageIsAnAnalysisException() {
        byte[] garbage = "this is not a class file, but it mentions malloc".getBytes();
        assertThatThrownBy(() -> JvmAnalyzer.analyzeClass(garbage, ClassResolver.none()))
                .isInstanceOf(AnalysisException.class);
        assertThatThrownBy(() -> JvmAnalyzer.analyzeClass(new byte[0], ClassResolver.none()))
                .isInstanceOf(AnalysisException.class);
    }

    @Test
    void codeTheInterpreterRejectsStillReportsItsSitesAsUnknown() throws Exception {
        // A method whose only path pops from an empty stack: well-formed as a class file, invalid as code.
        byte[] bad = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS).build(ClassDesc.of("demo.Bad"), cb ->
                cb.withMethod("run", MethodTypeDesc.ofDescriptor("()V"), AccessFlag.STATIC.mask(), mb ->
                        mb.withCode(code -> code
                                .invokestatic(ClassDesc.of("dev.lgmalloc.LgMalloc"), "malloc",
                                        MethodTypeDesc.ofDescriptor("(J)J"))
                                .pop2()
                                .return_())));
        ClassAnalysis a;
        try {
            a = JvmAnalyzer.analyzeClass(bad, ClassResolver.none());
        } catch (AnalysisException e) {
            fail("a class file that parses must be analysed, with a warning for the bad method", e);
            return;
        }
        assertThat(a.sites()).singleElement().satisfies(s -> {
            assertThat(s.site().sizes().isKnown()).isFalse();
            assertThat(s.site().note()).contains("not interpreted");
        });
        assertThat(a.warnings()).singleElement().asString().contains("demo/Bad.run()V").contains("underflow");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a guard against hangs, not a performance check
    void mutatedClassFilesNeverEscapeAsOtherExceptions() {
        Random random = new Random(20261126);
        int analysed = 0;
        int rejected = 0;
        for (int round = 0; round < 400; round++) {
            byte[] mutant = mutate(victim, random);
            try {
                ClassAnalysis a = JvmAnalyzer.analyzeClass(mutant, ClassResolver.of(Map.of("demo/Victim", mutant)));
                assertThat(a.sites()).allSatisfy(s -> assertThat(s.site().reliability()).isBetween(0.0, 1.0));
                analysed++;
            } catch (AnalysisException expected) {
                rejected++;
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("mutant " + round + " escaped as " + e, e);
            }
        }
        // Both outcomes must occur, or the mutations are too mild or too destructive to test anything.
        assertThat(analysed).isPositive();
        assertThat(rejected).isPositive();
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] b = original.clone();
        switch (random.nextInt(4)) {
            case 0 -> { // flip a few bytes anywhere
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> { // flip bytes in the back half, where the code and attributes are
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                    b[b.length / 2 + random.nextInt(b.length / 2)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncate
            default -> { // overwrite one byte with a small count or index
                b[10 + random.nextInt(b.length - 10)] = (byte) random.nextInt(8);
            }
        }
        return b;
    }

    @Test
    void listsOfSitesAreImmutable() throws Exception {
        List<FoundSite> sites = JvmAnalyzer.analyzeClass(victim, ClassResolver.none()).sites();
        assertThatThrownBy(() -> sites.add(sites.getFirst())).isInstanceOf(UnsupportedOperationException.class);
    }
}
