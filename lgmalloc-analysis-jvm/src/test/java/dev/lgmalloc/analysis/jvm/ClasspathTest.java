package dev.lgmalloc.analysis.jvm;

import static dev.lgmalloc.analysis.jvm.SiteAssertions.only;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.sizes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SitePrediction;
import dev.lgmalloc.analysis.SourceFile;
import dev.lgmalloc.analysis.ReportWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading classpaths: JARs, multi-release JARs, manifest Class-Path, directories, class files, bad input. */
class ClasspathTest {

    private static final String APP = """
            package app;
            import dev.lgmalloc.LgMalloc;
            public class App {
                void run() { LgMalloc.malloc(Limits.SIZE); }
                void quiet() { }
            }
            """;
    private static final String LIMITS = """
            package lib;
            public class Limits {
                public static final long SIZE;
                static { SIZE = 300; }
            }
            """;
    private static final String VERSIONED_BASE = """
            package mr;
            import dev.lgmalloc.LgMalloc;
            public class Versioned { void run() { LgMalloc.malloc(1); } }
            """;
    private static final String VERSIONED_99 = """
            package mr;
            import dev.lgmalloc.LgMalloc;
            public class Versioned { void run() { LgMalloc.malloc(3); } }
            """;
    private static final String VERSIONED_21 = """
            package mr;
            import dev.lgmalloc.LgMalloc;
            public class Versioned { void run() { LgMalloc.malloc(2); } }
            """;
    private static final String OTHER = """
            package app;
            import dev.lgmalloc.LgMalloc;
            public class Other { void run() { LgMalloc.malloc(16); } }
            """;

    private static Map<String, byte[]> app() {
        return Fixtures.compile(APP.replace("Limits.SIZE", "lib.Limits.SIZE"), LIMITS);
    }

    @Test
    void aJarAndTheJarsItsManifestNames(@TempDir Path dir) throws Exception {
        Map<String, byte[]> classes = app();
        Files.createDirectories(dir.resolve("lib dir"));
        JarFixtures.jar(dir.resolve("lib dir/lib.jar"),
                JarFixtures.entries("", Map.of("lib/Limits", classes.get("lib/Limits"))), Map.of());
        Path appJar = JarFixtures.jar(dir.resolve("app.jar"),
                JarFixtures.entries("", Map.of("app/App", classes.get("app/App"))),
                Map.of("Class-Path", "lib%20dir/lib.jar missing.jar"));

        AnalysisResult result = JvmAnalyzer.analyze(List.of(appJar), 0.9);

        assertThat(result.format()).isEqualTo("JAR with 1 Class-Path entries");
        assertThat(result.sites()).hasSize(1);
        assertThat(result.sites().getFirst().sizes()).isEqualTo(sizes(300)); // static final from the Class-Path JAR
        assertThat(result.warnings()).singleElement().asString().contains("missing.jar");
        assertThat(result.plan().routedSites()).hasSize(1);
    }

    @Test
    void aMultiReleaseJarIsAnalysedWholeAndRoutedAtTheRunningVersion(@TempDir Path dir) throws Exception {
        // Three copies of one class: the base one, one for Java 21 (which this JDK, 21 or newer, loads) and one
        // for a Java 99 that does not exist yet.
        Map<String, byte[]> entries = new HashMap<>(JarFixtures.entries("", Fixtures.compile(VERSIONED_BASE)));
        entries.putAll(JarFixtures.entries("META-INF/versions/21/", Fixtures.compile(VERSIONED_21)));
        entries.putAll(JarFixtures.entries("META-INF/versions/99/", Fixtures.compile(VERSIONED_99)));
        Path jar = JarFixtures.jar(dir.resolve("mr.jar"), entries, Map.of("Multi-Release", "true"));

        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(List.of(jar), 0.9);
        AnalysisResult result = analysis.result();

        assertThat(result.format()).isEqualTo("multi-release JAR");
        // what the agent routes: the copy the running JDK loads, and only that one
        assertThat(analysis.sites()).singleElement().satisfies(s -> {
            assertThat(s.site().sizes()).isEqualTo(sizes(2));
            assertThat(s.location().source())
                    .isEqualTo(new SourceFile(jar.toString(), "META-INF/versions/21/mr/Versioned.class"));
        });
        // what is reported: every copy, each with its entry; the others are never routed, and say why
        assertThat(result.plan().sites()).hasSize(3);
        assertThat(result.plan().sites()).extracting(p -> ((JvmSiteLocation) p.site().location()).source().entry(),
                        p -> p.site().sizes(), SitePrediction::routed)
                .containsExactlyInAnyOrder(tuple("META-INF/versions/21/mr/Versioned.class", sizes(2), true),
                        tuple("mr/Versioned.class", sizes(1), false),
                        tuple("META-INF/versions/99/mr/Versioned.class", sizes(3), false));
        assertThat(result.plan().sites().subList(1, 3)).allSatisfy(p -> assertThat(p.notRoutedReason())
                .isEqualTo("not the copy Java " + Runtime.version().feature()
                        + " loads (META-INF/versions/21/mr/Versioned.class)"));
        assertThat(result.plan().routedSites()).hasSize(1);
    }

    @Test
    void eachSiteNamesItsJarAndEntryOrItsClassFile(@TempDir Path dir) throws Exception {
        Map<String, byte[]> classes = app();
        Path jar = JarFixtures.jar(dir.resolve("app.jar"), JarFixtures.entries("", classes), Map.of());
        assertThat(JvmAnalyzer.analyze(List.of(jar), 0.9).sites()).singleElement()
                .extracting(s -> ((JvmSiteLocation) s.location()).source())
                .isEqualTo(new SourceFile(jar.toString(), "app/App.class"));

        Path classesDir = dir.resolve("classes");
        Fixtures.writeTo(classesDir, classes);
        assertThat(JvmAnalyzer.analyze(List.of(classesDir), 0.9).sites()).singleElement()
                .extracting(s -> ((JvmSiteLocation) s.location()).source())
                .isEqualTo(SourceFile.of(classesDir.resolve("app/App.class").toString()));
    }

    @Test
    void directoriesSingleClassFilesAndWildcards(@TempDir Path dir) throws Exception {
        Map<String, byte[]> classes = app();
        Path classesDir = dir.resolve("classes");
        Fixtures.writeTo(classesDir, classes);
        assertThat(JvmAnalyzer.analyze(List.of(classesDir), 0.9).format()).isEqualTo("class directory");

        Path single = dir.resolve("Other.class");
        Files.write(single, Fixtures.compile(OTHER).get("app/Other"));
        AnalysisResult one = JvmAnalyzer.analyze(List.of(single), 0.9);
        assertThat(one.format()).isEqualTo("class file");
        assertThat(one.sites()).singleElement().extracting(s -> s.sizes()).isEqualTo(sizes(16));

        Path jars = dir.resolve("jars");
        Files.createDirectories(jars);
        JarFixtures.jar(jars.resolve("a.jar"), JarFixtures.entries("", classes), Map.of());
        AnalysisResult wildcard = JvmAnalyzer.analyze(List.of(jars.resolve("*")), 0.9);
        assertThat(wildcard.sites()).singleElement().extracting(s -> s.sizes()).isEqualTo(sizes(300));
    }

    @Test
    void theFirstClassOfANameWins(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        Fixtures.writeTo(first, Fixtures.compile(VERSIONED_21));
        Fixtures.writeTo(second, Fixtures.compile(VERSIONED_BASE));
        AnalysisResult result = JvmAnalyzer.analyze(List.of(first, second), 0.9);
        assertThat(result.format()).isEqualTo("classpath of 2 entries");
        assertThat(result.sites()).singleElement().extracting(s -> s.sizes()).isEqualTo(sizes(2));
    }

    @Test
    void aMissingInputIsAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> JvmAnalyzer.analyze(List.of(dir.resolve("nope.jar")), 0.9))
                .isInstanceOf(AnalysisException.class).hasMessageContaining("nope.jar");
    }

    @Test
    void aFileThatIsNeitherClassNorJarIsAnError(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> JvmAnalyzer.analyze(List.of(text), 0.9))
                .isInstanceOf(AnalysisException.class).hasMessageContaining("notes.txt");
    }

    @Test
    void aCorruptJarAloneIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path bad = Files.write(dir.resolve("bad.jar"), "PK\u0003\u0004 this is not a zip".getBytes());
        assertThatThrownBy(() -> JvmAnalyzer.analyze(List.of(bad), 0.9))
                .isInstanceOf(AnalysisException.class).hasMessageContaining("bad.jar");
    }

    @Test
    void aCorruptJarBesideGoodInputIsAWarning(@TempDir Path dir) throws Exception {
        Path bad = Files.write(dir.resolve("bad.jar"), "PK\u0003\u0004 this is not a zip".getBytes());
        Path good = dir.resolve("good");
        Fixtures.writeTo(good, Fixtures.compile(OTHER));
        AnalysisResult result = JvmAnalyzer.analyze(List.of(bad, good), 0.9);
        assertThat(result.sites()).hasSize(1);
        assertThat(result.warnings()).singleElement().asString().contains("bad.jar");
    }

    @Test
    void aCorruptEntryIsAWarningAndTheOtherEntriesAreRead(@TempDir Path dir) throws Exception {
        Map<String, byte[]> classes = new HashMap<>(Fixtures.compile(OTHER, VERSIONED_BASE));
        Path jar = JarFixtures.jar(dir.resolve("c.jar"), JarFixtures.entries("", classes), Map.of());
        corruptFirstEntryData(jar, "app/Other.class");

        AnalysisResult result = JvmAnalyzer.analyze(List.of(jar), 0.9);

        assertThat(result.warnings()).singleElement().asString().contains("app/Other.class");
        assertThat(result.sites()).singleElement().extracting(s -> s.sizes()).isEqualTo(sizes(1));
    }

    @Test
    void truncatedAndGarbageClassFilesInADirectoryAreWarnings(@TempDir Path dir) throws Exception {
        Map<String, byte[]> classes = Fixtures.compile(OTHER, VERSIONED_BASE);
        Fixtures.writeTo(dir, classes);
        byte[] good = classes.get("app/Other");
        Files.write(dir.resolve("app/Other.class"), Arrays.copyOf(good, good.length / 2));
        Files.write(dir.resolve("app/Garbage.class"), "lloc? not a class".getBytes());

        AnalysisResult result = JvmAnalyzer.analyze(List.of(dir), 0.9);

        assertThat(result.sites()).singleElement().extracting(s -> s.sizes()).isEqualTo(sizes(1));
        assertThat(result.warnings()).hasSize(2).allMatch(w -> w.contains("malformed class file"));
        assertThat(String.join("\n", result.warnings())).contains("Other.class").contains("Garbage.class");
    }

    @Test
    void reportsListRoutableAndReportedSites(@TempDir Path dir) throws Exception {
        Fixtures.writeTo(dir, Fixtures.compile("""
                package app;
                import dev.lgmalloc.LgMalloc;
                import java.lang.foreign.Arena;
                public class Mixed {
                    void run(Arena arena) { LgMalloc.malloc(300); arena.allocate(300); }
                }
                """));
        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(List.of(dir), 0.9);
        AnalysisResult result = analysis.result();
        assertThat(result.plan().sites()).hasSize(2);
        assertThat(result.plan().sites().get(0).routed()).isTrue();
        assertThat(result.plan().sites().get(1).routed()).isFalse();
        assertThat(result.plan().sites().get(1).confidence()).isEqualTo(1.0);
        assertThat(result.plan().sites().get(1).notRoutedReason()).startsWith("report-only API (the JDK's");
        assertThat(result.plan().exactSizes()).containsExactly(304); // 300 rounded to the granule, from the lgmalloc site only
        assertThat(result.plan().classes()).singleElement().extracting(c -> c.sites()).isEqualTo(1);
        StringBuilder text = new StringBuilder();
        ReportWriter.text(result, text);
        assertThat(text).contains("java/lang/foreign/Arena.allocate").contains("dev/lgmalloc/LgMalloc.malloc");
    }

    /** Flips bytes in the compressed data of one entry so that inflating it fails or its CRC does not match. */
    private static void corruptFirstEntryData(Path jar, String entryName) throws Exception {
        byte[] bytes = Files.readAllBytes(jar);
        byte[] name = entryName.getBytes();
        for (int i = 0; i + 30 + name.length < bytes.length; i++) {
            // local file header: PK\3\4, name length at offset 26, extra length at 28, name at 30
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4
                    && Arrays.equals(Arrays.copyOfRange(bytes, i + 30, i + 30 + name.length), name)) {
                int extra = (bytes[i + 28] & 0xff) | (bytes[i + 29] & 0xff) << 8;
                int data = i + 30 + name.length + extra;
                for (int k = 0; k < 16; k++) {
                    bytes[data + k] ^= (byte) 0x5a;
                }
                Files.write(jar, bytes);
                return;
            }
        }
        throw new IllegalStateException("entry not found: " + entryName);
    }
}
