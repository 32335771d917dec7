package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void analyzeFindsTheDemoWorkloadsSitesWithTheirPredictions() {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        assertThat(run("analyze", workload.toString())).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        // header: LgMalloc.allocate(HEADER.byteSize()) of a static final 32-byte struct layout
        assertThat(text).containsPattern("OnLgmalloc\\.header.*\\{32\\}\\s+32\\s+0\\.9\\d\\s+0 yes");
        // envelope: malloc(328), which gets an exact class of 336 bytes instead of the standard 352
        assertThat(text).containsPattern("OnLgmalloc\\.envelope.*\\{328\\}\\s+336\\s+");
        assertThat(text).containsPattern("OnLgmalloc\\.payload.*\\?\\s+-\\s+0\\.00");
        assertThat(text).contains("plan per size class (1 exact classes added)");
        // each site under the line naming its JAR entry; a site that is not routed says why
        assertThat(text).contains("in " + workload + "!/dev/lgmalloc/demo/MessagePipeline$OnLgmalloc.class");
        assertThat(text).containsPattern("OnLgmalloc\\.payload.* no: size not predicted");
        assertThat(text).containsPattern("JdkOnlyProgram\\.serve.*Arena.* 0\\.95 .* no: report-only API");
    }

    @Test
    void jsonIsIndentedForPeopleAndParsesForTools() throws Exception {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        assertThat(run("analyze", "--json", workload.toString())).isZero();
        String json = out.toString(StandardCharsets.UTF_8);
        assertThat(json.lines().count()).as("indented, not one line").isGreaterThan(50);
        JsonNode report = JSON.readTree(json);
        assertThat(report.get("format").asText()).isEqualTo("JAR");
        assertThat(report.get("plan").get("exactSizes")).containsExactly(JSON.readTree("336"));
        JsonNode envelope = siteOf(report.get("sites"), "envelope");
        assertThat(envelope.get("file").asText()).isEqualTo(workload.toString());
        assertThat(envelope.get("entry").asText()).isEqualTo("dev/lgmalloc/demo/MessagePipeline$OnLgmalloc.class");
        assertThat(envelope.get("sizes").get(0).asLong()).isEqualTo(328);
        assertThat(envelope.get("routed").asBoolean()).isTrue();
        assertThat(envelope.get("notRoutedReason").isNull()).isTrue();
        assertThat(siteOf(report.get("sites"), "payload").get("notRoutedReason").asText())
                .isEqualTo("size not predicted");
    }

    @Test
    void jsonLinesIsOneSitePerLineThenASummary() throws Exception {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        assertThat(run("analyze", "--json-lines", workload.toString())).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(6);
        assertThat(lines.subList(0, 5)).allSatisfy(l -> {
            assertThat(l.get("type").asText()).isEqualTo("site");
            assertThat(l.get("file").asText()).isEqualTo(workload.toString());
        });
        JsonNode summary = lines.getLast();
        assertThat(summary.get("type").asText()).isEqualTo("summary");
        assertThat(summary.get("sites").asInt()).isEqualTo(5);
        assertThat(summary.get("routed").asInt()).isEqualTo(2);
    }

    @Test
    void aMultiReleaseJarShowsEveryCopyWithItsEntry(@TempDir Path dir) throws Exception {
        // A real multi-release JAR: the demo's lgmalloc sites as the base class and again for Java 21.
        String entry = "dev/lgmalloc/demo/MessagePipeline$OnLgmalloc.class";
        byte[] bytes;
        try (JarFile demo = new JarFile("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar")) {
            bytes = demo.getInputStream(demo.getJarEntry(entry)).readAllBytes();
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Multi-Release", "true");
        Path jar = dir.resolve("mr.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            for (String name : List.of(entry, "META-INF/versions/21/" + entry)) {
                out.putNextEntry(new JarEntry(name));
                out.write(bytes);
                out.closeEntry();
            }
        }
        assertThat(run("analyze", "--json", jar.toString())).isZero();
        JsonNode sites = JSON.readTree(out.toString(StandardCharsets.UTF_8)).get("sites");
        assertThat(sites).hasSize(6);
        List<String> routedEntries = new ArrayList<>();
        List<String> reportedEntries = new ArrayList<>();
        for (JsonNode site : sites) {
            (site.get("routed").asBoolean() ? routedEntries : reportedEntries).add(site.get("entry").asText());
        }
        assertThat(routedEntries).containsOnly("META-INF/versions/21/" + entry);
        assertThat(siteOf(sites, "envelope", "META-INF/versions/21/" + entry).get("routed").asBoolean()).isTrue();
        assertThat(reportedEntries).contains(entry);
        assertThat(siteOf(sites, "envelope", entry).get("notRoutedReason").asText())
                .startsWith("not the copy Java " + Runtime.version().feature() + " loads");
    }

    private static JsonNode siteOf(JsonNode sites, String method) {
        for (JsonNode site : sites) {
            if (site.get("method").asText().equals(method)) {
                return site;
            }
        }
        throw new AssertionError("no site in " + method);
    }

    private static JsonNode siteOf(JsonNode sites, String method, String entry) {
        for (JsonNode site : sites) {
            if (site.get("method").asText().equals(method) && site.get("entry").asText().equals(entry)) {
                return site;
            }
        }
        throw new AssertionError("no site in " + method + " of " + entry);
    }

    @Test
    void planWritesTheDemoWorkloadsPlanForTheAgent(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path workload = Path.of("target/classes/dev/lgmalloc/cli/lgmalloc-demo.jar");
        Path plan = dir.resolve("demo.plan");
        assertThat(run("plan", "--out", plan.toString(), workload.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("wrote " + plan + ": ")
                .contains("-javaagent:lgmalloc-agent.jar=plan=" + plan);
        java.util.List<String> lines = java.nio.file.Files.readAllLines(plan);
        assertThat(lines.getFirst()).isEqualTo("lgmalloc-plan 1");
        assertThat(lines.get(1)).startsWith("input\tlgmalloc-demo.jar\t");
        assertThat(lines).anyMatch(l -> l.startsWith("site\t") && l.contains("OnLgmalloc"));
        err.reset();
        assertThat(run("plan", "--out", plan.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc plan: give the application's class path");
        err.reset();
        assertThat(run("plan", "--out", plan.toString(), "/no/such.jar")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc plan: no such file or directory: /no/such.jar");
    }

    @Test
    void analyzeReadsElfBinariesByTheirMagic() {
        Path ls = Path.of("/bin/ls");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(ls), "no /bin/ls on this machine");
        assertThat(run("analyze", "--csv", ls.toString())).isZero();
        String csv = out.toString(StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("location,return_address,function,callee")
                .endsWith(",not_routed_reason,file,entry");
        assertThat(csv).containsPattern("\\n0x[0-9a-f]+,.*,/bin/ls,\\n");
    }

    @Test
    void analyzeErrorsAreOneLineWithExitCodeTwo() {
        assertThat(run("analyze", "/no/such/file")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc analyze: no such file or directory");
        err.reset();
        assertThat(run("analyze", "--threshold", "2", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("lgmalloc analyze: --threshold must be a number in (0, 1], not '2'");
        err.reset();
        err.reset();
        assertThat(run("analyze", "--json", "--csv", "x")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--json, --json-lines and --csv exclude each other");
    }

    /**
     * A library's public method that sizes a direct buffer from its parameter, and the application's one call of it:
     * alone, the library is an open world (anyone may call it with anything); given as the whole program, the
     * caller's constant is the prediction.
     */
    @Test
    void closedWorldTakesTheArgumentsOfPublicMethodsCallers(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("src/shop/Buffers.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package shop;
                public class Buffers {
                    public static java.nio.ByteBuffer make(int size) {
                        return java.nio.ByteBuffer.allocateDirect(size);
                    }
                    public static void main(String[] args) {
                        make(4096).putInt(0, 1);
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        int compiled = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d",
                classes.toString(), source.toString());
        assertThat(compiled).isZero();

        assertThat(run("analyze", classes.toString())).isZero();
        String open = out.toString(StandardCharsets.UTF_8);
        assertThat(open).containsPattern("Buffers\\.make.*\\?");
        assertThat(open).doesNotContain("{4096}");

        out.reset();
        assertThat(run("analyze", "--closed-world", classes.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("Buffers\\.make.*\\{4096\\}");
    }

    @Test
    void analyzeReadsAModuleOfTheRuntimeImageDirectly() {
        assertThat(run("analyze", "jrt:/java.base")).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("runtime image jrt:/java.base")
                .contains("in jrt:/java.base!/java/nio/DirectByteBuffer.class");
        err.reset();
        assertThat(run("analyze", "jrt:/no.such.module")).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc analyze: jrt:/no.such.module: no module");
    }

    @Test
    void anInputThatCannotBeReadIsExitCodeThreeWithOneLineNamingIt() {
        assertThat(run("analyze", "pom.xml")).isEqualTo(3);
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(message.lines().count()).isOne();
        assertThat(message).startsWith("lgmalloc analyze: ").contains("pom.xml").contains("ELF")
                .doesNotContain("Exception").doesNotContain("usage");
    }

    @Test
    void everyCommandHasItsOwnHelpAndDebugIsGlobal() {
        assertThat(run("analyze", "--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("usage: lgmalloc analyze").contains("--threshold").doesNotContain("demo [");
        out.reset();
        assertThat(run("demo", "-h")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: lgmalloc demo").contains("--quick");
        assertThat(run("--debug", "analyze", "/no/such/file")).as("--debug before the command").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc analyze: no such file");
    }

    @Test
    void unknownCommandsAndOptionsGiveOneLineAndUsage() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("lgmalloc: unknown command 'frobnicate'")
                .contains("usage: lgmalloc");
        err.reset();
        assertThat(run("demo", "--fast")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option '--fast'");
        assertThat(run()).isEqualTo(2);
    }
}
