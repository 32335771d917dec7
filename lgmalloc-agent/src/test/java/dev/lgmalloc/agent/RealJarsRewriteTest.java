package dev.lgmalloc.agent;

import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.jvm.JvmAnalysis;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import java.lang.classfile.ClassFile;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rewrites every class with allocation sites in real JARs from Maven Central the way verify mode does, which turns
 * every found site into an {@code invokedynamic}, and checks each rewritten class with the ClassFile API's verifier:
 * zero errors. The JARs are chosen because they call the JDK's allocation APIs: Netty and H2
 * {@code ByteBuffer.allocateDirect}, Agrona {@code ByteBuffer.allocateDirect} and {@code Unsafe.allocateMemory},
 * Arrow's memory core {@code sun.misc.Unsafe.allocateMemory}. They are read as files, never loaded.
 */
class RealJarsRewriteTest {

    /**
     * JARs analysed together.
     *
     * @param name       for messages
     * @param anchors    a class file in each JAR, which locates it on the test class path
     * @param apis       callee names (substrings) that must be among the sites found
     */
    record RealJars(String name, List<String> anchors, List<String> apis) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<RealJars> jars() {
        return Stream.of(
                new RealJars("netty", List.of("io/netty/buffer/ByteBuf.class",
                        "io/netty/util/internal/PlatformDependent.class"), List.of("allocateDirect", "allocateMemory")),
                new RealJars("h2", List.of("org/h2/Driver.class"), List.of("allocateDirect")),
                new RealJars("agrona", List.of("org/agrona/BufferUtil.class"), List.of("allocateDirect")),
                new RealJars("arrow-memory-core", List.of("org/apache/arrow/memory/BufferAllocator.class"),
                        List.of("sun/misc/Unsafe.allocateMemory")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jars")
    void verifyModeRewritesPassTheVerifier(RealJars real) throws Exception {
        List<Path> jars = new ArrayList<>();
        for (String anchor : real.anchors()) {
            jars.add(jarOf(anchor));
        }
        Map<String, byte[]> classes = classesOf(jars);
        Map<String, Long> crcs = new HashMap<>();
        classes.forEach((name, bytes) -> crcs.put(name, Crc.of(bytes)));
        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(jars, 0.9);
        List<String> callees = analysis.sites().stream().map(found -> found.site().callee()).toList();
        for (String api : real.apis()) {
            assertThat(callees).as(real.name() + " calls " + api).anyMatch(callee -> callee.contains(api));
        }
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(analysis.sites(), crcs, List.of()), 0.9);
        int rewrittenClasses = 0;
        int rewrittenSites = 0;
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            RoutingPlan.ClassSites sites = plan.sitesOf(c.getKey());
            if (sites == null) {
                continue;
            }
            byte[] out = SiteRewriter.rewrite(c.getValue(), sites.sites(), SiteRewriter.Mode.VERIFY);
            ClassFile.of().verify(out).forEach(e -> errors.add(c.getKey() + ": " + e.getMessage()));
            rewrittenClasses++;
            rewrittenSites += sites.sites().size();
        }
        assertThat(errors).isEmpty();
        assertThat(rewrittenSites).as(real.name() + " has allocation sites to rewrite").isGreaterThan(2);
        System.out.println(real.name() + ": rewrote " + rewrittenSites + " sites in " + rewrittenClasses
                + " classes of " + classes.size() + ": 0 verification errors");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jars")
    void transparentModeRewritesPassTheVerifier(RealJars real) throws Exception {
        List<Path> jars = new ArrayList<>();
        for (String anchor : real.anchors()) {
            jars.add(jarOf(anchor));
        }
        int rewrittenClasses = 0;
        int rewrittenSites = 0;
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, byte[]> c : classesOf(jars).entrySet()) {
            var out = TransparentRewriter.rewrite(c.getValue(), EnumSet.allOf(TransparentRewriter.Family.class));
            if (out == null) {
                continue;
            }
            ClassFile.of().verify(out.bytes()).forEach(e -> errors.add(c.getKey() + ": " + e.getMessage()));
            rewrittenClasses++;
            rewrittenSites += out.sites();
        }
        assertThat(errors).isEmpty();
        // Each JAR is chosen for its allocateDirect or Unsafe.allocateMemory calls: transparent mode must find them.
        assertThat(rewrittenSites).as(real.name() + " has JDK allocation calls").isPositive();
        System.out.println(real.name() + ": transparent mode rewrote " + rewrittenSites + " JDK allocation calls in "
                + rewrittenClasses + " classes: 0 verification errors");
    }

    /** The JAR on the test class path that holds {@code resource}, found without loading any of its classes. */
    private static Path jarOf(String resource) throws Exception {
        URL url = RealJarsRewriteTest.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource + " on the test class path").isNotNull();
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        return Path.of(connection.getJarFileURL().toURI());
    }

    private static Map<String, byte[]> classesOf(List<Path> jars) throws Exception {
        Map<String, byte[]> classes = new HashMap<>();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                for (JarEntry entry : file.stream().toList()) {
                    if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF")) {
                        classes.put(entry.getName().substring(0, entry.getName().length() - 6),
                                file.getInputStream(entry).readAllBytes());
                    }
                }
            }
        }
        return classes;
    }
}
