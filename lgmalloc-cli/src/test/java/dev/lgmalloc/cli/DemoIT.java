package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs {@code java -jar lgmalloc.jar demo --quick} as a user would, after the JAR is packaged. */
class DemoIT {

    @Test
    void quickDemoPredictsRoutesAndComparesWithThePeers() throws Exception {
        Path jar = Path.of("target/lgmalloc.jar");
        assertThat(jar).exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", jar.toString(), "demo", "--quick").redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        // the agent's report before main: the predicted sites, the plan, what was routed
        assertThat(output).containsPattern("OnLgmalloc\\.envelope.*\\{328\\}\\s+336");
        assertThat(output).contains("plan per size class", "exact classes [336]", "rewrote");
        // the workload ran on lgmalloc with the exact class in use
        assertThat(output).containsPattern("size classes in use:.* 336\\(exact\\)");
        // and the side-by-side table with both peers
        assertThat(output).contains("side by side", "lgmalloc (agent)", "glibc via FFM", "JDK Arena.ofShared");
        // every run on the same pre-touched Java heap, so peak RSS compares the allocators, not G1's growth
        assertThat(output).contains("the same 384 MiB Java heap touched in advance");
        // Transparent mode: the JDK-only program, unmodified, as it is and under the agent.
        assertThat(output).contains("JDK (no agent)", "JDK under the agent",
                "rewrote 2 Arena call(s), 1 direct buffer call(s) of dev/lgmalloc/demo/JdkOnlyProgram",
                "arenas were dev.lgmalloc.LgArena", "arenas were jdk.internal.foreign");
        assertThat(output).doesNotContain("WARNING:");
    }
}
