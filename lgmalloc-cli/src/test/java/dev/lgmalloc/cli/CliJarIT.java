package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * lgmalloc.jar is also an agent, so what is on its class path joins an application's: lgmalloc's classes only
 * (its one library relocated under {@code dev.lgmalloc}); the benchmarks and the demo ride along as JARs.
 */
class CliJarIT {

    private static final Path JAR = Path.of("target/lgmalloc.jar");

    @Test
    void holdsOnlyLgmallocsClassesAndCarriesTheOtherProgramsAsJars() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).filter(n -> !n.endsWith("/")).toList();
            assertThat(names).allSatisfy(n -> assertThat(n).matches(
                    "dev/lgmalloc/.*|META-INF/MANIFEST\\.MF|META-INF/maven/dev\\.lgmalloc/.*|META-INF/services/.*"));
            assertThat(names).contains("dev/lgmalloc/cli/lgmalloc-benchmarks.jar", "dev/lgmalloc/cli/lgmalloc-demo.jar",
                    "dev/lgmalloc/agent/LgMallocAgent.class");
            assertThat(names).anyMatch(n -> n.startsWith("dev/lgmalloc/cli/internal/picocli/"));
            assertThat(jar.getManifest().getMainAttributes().getValue("Premain-Class"))
                    .isEqualTo("dev.lgmalloc.agent.LgMallocAgent");
        }
    }

    @Test
    void benchRunsTheSuiteFromTheCarriedJarWithTheWholeCommandLine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", JAR.toString(), "--debug", "bench", "--help")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        // the suite's own usage, not the launcher's: it parsed --help itself
        assertThat(output).startsWith("usage: lgmalloc bench").contains("--workloads", "--allocators", "--jmh");
    }
}
