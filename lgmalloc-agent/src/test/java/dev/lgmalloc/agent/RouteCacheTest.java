package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.jvm.AllocationApi;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.FoundSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-start route file: same routing as the plan it came from, and a miss whenever its basis changed. */
class RouteCacheTest {

    private static final EntryPoint MALLOC = EntryPoints.byCallee("dev/lgmalloc/LgMalloc.malloc(J)J").orElseThrow();
    private static final EntryPoint CALLOC = EntryPoints.byCallee("dev/lgmalloc/LgMalloc.calloc(JJ)J").orElseThrow();

    private static FoundSite site(String cls, EntryPoint ep, int bci, SizeSet sizes, double reliability) {
        return new FoundSite(new AllocationSite(new JvmSiteLocation(cls, "run", "(J)V", bci, 12), ep.callee(),
                List.of(), sizes, reliability, 0, ""), ep, AllocationApi.LGMALLOC);
    }

    private static RoutingPlan plan(double threshold) {
        return RoutingPlan.of(new AnalysedProgram(List.of(site("app/A", MALLOC, 4, SizeSet.of(300), 1),
                site("app/A", MALLOC, 9, SizeSet.of(2000), 0.8), site("app/B", CALLOC, 3, SizeSet.of(64), 1),
                site("app/C", MALLOC, 7, SizeSet.of(48), 1)),
                Map.of("app/A", 0xabcL, "app/B", 0x12L, "app/C", 0xffffffffL), List.of()), threshold);
    }

    @Test
    void routesMatchThePlanTheyCameFrom(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("k.plan"), "the plan");
        RoutingPlan plan = plan(0.9);
        RouteCache.store(dir, "e", "k", List.of(), 0.9, plan, "a summary");
        RouteCache.Routes routes = RouteCache.load(dir, "e", 0.9);

        assertThat(routes).isNotNull();
        assertThat(routes.summary()).isEqualTo("a summary");
        assertThat(routes.configuration().sizeClasses().blockSizes())
                .isEqualTo(plan.configuration().sizeClasses().blockSizes());
        assertThat(routes.configuration().provisionedBlockSizes())
                .isEqualTo(plan.configuration().provisionedBlockSizes());
        // Only classes with fast-path sites: B's calloc keeps its call, A's 0.8-confidence site is not routed.
        assertThat(routes.classes().keySet()).containsExactlyInAnyOrder("app/A", "app/C");
        assertThat(routes.classes().get("app/C").crc()).isEqualTo(0xffffffffL);
        PlannedSite a = routes.classes().get("app/A").sites().getFirst();
        PlannedSite expected = plan.classes().get("app/A").sites().getFirst();
        assertThat(routes.classes().get("app/A").sites()).hasSize(1);
        assertThat(a.location()).isEqualTo(expected.location());
        assertThat(a.entryPoint()).isEqualTo(expected.entryPoint());
        assertThat(Arrays.asList(a.id(), a.sizeClass(), a.blockSize(), a.confidence()))
                .isEqualTo(Arrays.asList(expected.id(), expected.sizeClass(), expected.blockSize(),
                        expected.confidence()));
        assertThat(a.fastPath()).isTrue();
        // And a rewrite from the loaded routes sends the site to the same class as one from the plan.
        assertThat(a.sizeClass()).isEqualTo(routes.configuration().sizeClasses().classOf(300));
    }

    @Test
    void anyChangeOfItsBasisIsAMiss(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("k.plan"), "the plan");
        RouteCache.store(dir, "e", "k", List.of(), 0.9, plan(0.9), "s");
        assertThat(RouteCache.load(dir, "e", 0.9)).isNotNull();
        assertThat(RouteCache.load(dir, "e", 0.75)).as("another threshold").isNull();
        assertThat(RouteCache.load(dir, "other", 0.9)).as("another key").isNull();

        Files.writeString(dir.resolve("k.profile"), "site\tapp/A\trun\t(J)V\t9\t20\t2000:20\t0\n");
        assertThat(RouteCache.load(dir, "e", 0.9)).as("a new profile").isNull();
        RouteCache.store(dir, "e", "k", List.of(), 0.9, plan(0.9), "s");
        assertThat(RouteCache.load(dir, "e", 0.9)).isNotNull();

        Files.writeString(dir.resolve("k.plan"), "an edited plan");
        assertThat(RouteCache.load(dir, "e", 0.9)).as("an edited plan").isNull();
    }

    @Test
    void aChangedJarReachedThroughAManifestIsAMiss(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("k.plan"), "the plan");
        Path lib = Files.writeString(dir.resolve("lib.jar"), "version 1");
        RouteCache.store(dir, "e", "k", List.of(lib), 0.9, plan(0.9), "s");
        assertThat(RouteCache.load(dir, "e", 0.9)).isNotNull();
        Files.writeString(lib, "version 2, longer");
        assertThat(RouteCache.load(dir, "e", 0.9)).isNull();
        Files.delete(lib);
        assertThat(RouteCache.load(dir, "e", 0.9)).isNull();
    }

    @Test
    void garbageIsAMissNotAFailure(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("k.plan"), "the plan");
        RouteCache.store(dir, "e", "k", List.of(), 0.9, plan(0.9), "s");
        Path f = RouteCache.file(dir, "e");
        String good = Files.readString(f);
        Files.writeString(f, good.replace("dev/lgmalloc/LgMalloc.malloc(J)J", "dev/lgmalloc/LgMalloc.calloc(JJ)J"));
        assertThat(RouteCache.load(dir, "e", 0.9)).as("a site without a fast path").isNull();
        Files.writeString(f, good.substring(0, good.length() / 2) + "\nsite\tbroken");
        assertThat(RouteCache.load(dir, "e", 0.9)).as("truncated").isNull();
        Files.write(f, new byte[]{0, 1, 2, (byte) 0xff});
        assertThat(RouteCache.load(dir, "e", 0.9)).as("binary").isNull();
    }
}
