package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.jvm.JvmAnalysis;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import java.lang.classfile.ClassFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Rewrites every class of real JARs from Maven Central that call allocation APIs (Netty's buffer and common
 * JARs call {@code ByteBuffer.allocateDirect} and {@code Unsafe.allocateMemory}) the way verify mode does, which
 * turns every found site into an {@code invokedynamic}, and checks each rewritten class with the ClassFile API's
 * verifier: zero errors.
 */
class RealJarsRewriteTest {

    @Test
    void verifyModeRewritesOfNettyPassTheVerifier() throws Exception {
        List<Class<?>> anchors = List.of(io.netty.buffer.ByteBuf.class,
                io.netty.util.internal.PlatformDependent.class);
        int rewrittenClasses = 0;
        int rewrittenSites = 0;
        List<String> errors = new ArrayList<>();
        List<Path> jars = new ArrayList<>();
        for (Class<?> anchor : anchors) {
            jars.add(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
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
        Map<String, Long> crcs = new HashMap<>();
        classes.forEach((name, bytes) -> crcs.put(name, Crc.of(bytes)));
        JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(jars, 0.9);
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(analysis.sites(), crcs, List.of()), 0.9);
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
        assertThat(rewrittenClasses).as("Netty's JARs have allocation sites to rewrite").isGreaterThan(3);
        System.out.println("rewrote " + rewrittenSites + " sites in " + rewrittenClasses + " Netty classes: 0 "
                + "verification errors");
    }
}
