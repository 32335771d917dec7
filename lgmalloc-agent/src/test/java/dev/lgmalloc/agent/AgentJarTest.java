package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The agent JAR joins the application's class path, so it must hold lgmalloc's own classes and nothing else: an
 * application with its own Netty, JMH or anything else must not get a second copy from us.
 */
class AgentJarTest {

    @Test
    void theAgentJarHoldsOnlyLgmallocsClassesAndItsManifest() throws Exception {
        List<String> foreign = new ArrayList<>();
        try (JarFile jar = new JarFile(TestApps.agentJar().toFile())) {
            jar.stream().map(e -> e.getName())
                    .filter(n -> !n.startsWith("dev/lgmalloc/") && !n.equals("dev/") && !n.startsWith("META-INF/"))
                    .forEach(foreign::add);
            var attributes = jar.getManifest().getMainAttributes();
            assertThat(attributes.getValue("Premain-Class")).isEqualTo(LgMallocAgent.class.getName());
            assertThat(attributes.getValue("Launcher-Agent-Class")).isEqualTo(LgMallocAgent.class.getName());
            assertThat(attributes.getValue("Can-Retransform-Classes")).isEqualTo("true");
            assertThat(jar.getEntry("dev/lgmalloc/LgMalloc.class")).as("the core").isNotNull();
            assertThat(jar.getEntry("dev/lgmalloc/analysis/jvm/JvmAnalyzer.class")).as("the analysis").isNotNull();
            assertThat(jar.stream().map(e -> e.getName()).filter(n -> n.startsWith("dev/lgmalloc/bench/")
                    || n.startsWith("dev/lgmalloc/cli/") || n.startsWith("dev/lgmalloc/demo/")))
                    .as("no benchmark, CLI or demo classes").isEmpty();
        }
        assertThat(foreign).as("entries that are not lgmalloc's").isEmpty();
    }
}
