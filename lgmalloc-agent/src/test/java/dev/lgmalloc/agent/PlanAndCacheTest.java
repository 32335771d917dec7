package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.JvmSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.analysis.SourceFile;
import dev.lgmalloc.analysis.jvm.AllocationApi;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.FoundSite;
import dev.lgmalloc.analysis.jvm.SizeRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanAndCacheTest {

    private static final EntryPoint MALLOC = EntryPoints.byCallee("dev/lgmalloc/LgMalloc.malloc(J)J").orElseThrow();

    private static FoundSite site(String method, int bci, SizeSet sizes, double reliability) {
        return new FoundSite(new AllocationSite(new JvmSiteLocation("app/Main", method, "(I)V", bci, 7,
                new SourceFile("lib/app.jar", "META-INF/versions/21/app/Main.class")),
                MALLOC.callee(), List.of(), sizes, reliability, 1, "note\twith a tab"), MALLOC, AllocationApi.LGMALLOC);
    }

    private static AnalysedProgram program() {
        return new AnalysedProgram(List.of(site("a", 3, SizeSet.of(300), 1), site("b", 9, SizeSet.of(1000), 1),
                site("c", 12, SizeSet.of(40, 48), 1), site("d", 20, SizeSet.unknown(), 0)),
                Map.of("app/Main", 0xfedcba98L), List.of("a warning"));
    }

    @Test
    void theConfiguredAllocatorHasThePlansClassIndices() {
        RoutingPlan plan = RoutingPlan.of(program(), 0.9);
        assertThat(plan.plan().exactSizes()).containsExactly(304, 1008);
        Allocator allocator = Allocator.create(plan.configuration());
        try {
            for (PlannedSite s : plan.sites()) {
                for (long size : s.sizes().values()) {
                    assertThat(allocator.sizeClasses().classOf(size)).as("%s", s).isEqualTo(s.sizeClass());
                }
            }
            assertThat(plan.configuration().provisionedBlockSizes()).containsExactlyInAnyOrder(304, 1008, 48);
            assertThat(plan.fastPathSites()).isEqualTo(3);
            long p = allocator.mallocPredicted(300, plan.sites().getFirst().sizeClass());
            assertThat(allocator.usableSize(p)).isEqualTo(304);
            allocator.free(p);
        } finally {
            allocator.trim();
        }
    }

    @Test
    void onlyMallocHasAFastPath() {
        EntryPoint calloc = EntryPoints.byCallee("dev/lgmalloc/LgMalloc.calloc(JJ)J").orElseThrow();
        assertThat(calloc.sizeRule()).isEqualTo(SizeRule.PRODUCT_OF_FIRST_TWO);
        FoundSite s = new FoundSite(new AllocationSite(new JvmSiteLocation("app/Main", "m", "()V", 0, -1),
                calloc.callee(), List.of(), SizeSet.of(64), 1, 0, ""), calloc, AllocationApi.LGMALLOC);
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(List.of(s), Map.of("app/Main", 1L), List.of()), 0.9);
        assertThat(plan.sites().getFirst().routed()).isTrue();
        assertThat(plan.sites().getFirst().fastPath()).isFalse();
    }

    @Test
    void sizeRuleOrdinalsMatchTheRecorder() {
        // SiteRecorder.bootstrap receives SizeRule.ordinal(): a reordered enum must fail here, not at run time.
        assertThat(SizeRule.values()).containsExactly(SizeRule.FIRST_ARGUMENT, SizeRule.SECOND_ARGUMENT,
                SizeRule.PRODUCT_OF_FIRST_TWO, SizeRule.LAYOUT_BYTE_SIZE, SizeRule.LAYOUT_BYTE_SIZE_TIMES_SECOND);
    }

    @Test
    void cacheRoundTripsAndTreatsGarbageAsAMiss(@TempDir Path dir) throws Exception {
        PlanCache cache = new PlanCache(dir.resolve("c"));
        assertThat(cache.load("k1")).isEmpty();
        cache.store("k1", program());
        AnalysedProgram back = cache.load("k1").orElseThrow();
        assertThat(back.classCrcs()).isEqualTo(program().classCrcs());
        assertThat(back.warnings()).containsExactly("a warning");
        assertThat(back.sites()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(back.sites().get(i).site()).isEqualTo(program().sites().get(i).site());
        }
        Files.writeString(cache.file("k1"), "lgmalloc-agent-plan 1\nsite\tLGMALLOC\tnot/AnEntry.point()V\n");
        assertThat(cache.load("k1")).isEmpty();
        Files.writeString(cache.file("k1"), "something else");
        assertThat(cache.load("k1")).isEmpty();
    }

    @Test
    void keyChangesWithTheClasspathFiles(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("a.jar"), "one");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path cls = Files.writeString(classes.resolve("A.class"), "x");
        String k1 = ClassPathKey.of(List.of(jar, classes), null);
        assertThat(ClassPathKey.of(List.of(jar, classes), null)).isEqualTo(k1);
        Files.writeString(cls, "xy");
        String k2 = ClassPathKey.of(List.of(jar, classes), null);
        assertThat(k2).isNotEqualTo(k1);
        Files.writeString(jar, "two!");
        assertThat(ClassPathKey.of(List.of(jar, classes), null)).isNotEqualTo(k2);
        assertThat(ClassPathKey.of(List.of(classes, jar), null)).isNotEqualTo(ClassPathKey.of(List.of(jar, classes), null));
    }

    @Test
    void profileFeedbackReplacesUnknownOrContradictedPredictions() {
        AnalysedProgram p = program();
        ProfileFeedback feedback = ProfileFeedback.of(Map.of(
                ProfileFeedback.key(p.sites().get(3).location()), new ProfileFeedback.Observed(100, Map.of(700L, 100L), 0),
                ProfileFeedback.key(p.sites().get(0).location()), new ProfileFeedback.Observed(50, Map.of(300L, 50L), 0),
                ProfileFeedback.key(p.sites().get(1).location()), new ProfileFeedback.Observed(3, Map.of(5000L, 3L), 0),
                ProfileFeedback.key(p.sites().get(2).location()), new ProfileFeedback.Observed(9, Map.of(1L, 9L), 1)));
        List<FoundSite> adjusted = feedback.apply(p.sites());
        assertThat(adjusted.get(3).site().sizes()).isEqualTo(SizeSet.of(700));
        assertThat(adjusted.get(3).site().reliability()).isEqualTo(ProfileFeedback.PROFILE_RELIABILITY);
        assertThat(adjusted.get(0)).isSameAs(p.sites().get(0));          // observed what was predicted
        assertThat(adjusted.get(1).site().sizes()).isEqualTo(SizeSet.of(5000)); // contradicted, few calls: weak
        assertThat(adjusted.get(1).site().reliability()).isEqualTo(ProfileFeedback.WEAK_RELIABILITY);
        assertThat(adjusted.get(2)).isSameAs(p.sites().get(2));          // some sizes untracked: too varied
        RoutingPlan plan = RoutingPlan.of(new AnalysedProgram(adjusted, p.classCrcs(), p.warnings()), 0.9);
        assertThat(plan.sites().get(3).fastPath()).isTrue();
        assertThat(plan.sites().get(1).fastPath()).isFalse();
    }

    @Test
    void profileFilesRoundTrip(@TempDir Path dir) throws Exception {
        JvmSiteLocation l = program().sites().getFirst().location();
        Path f = Files.writeString(dir.resolve("p.profile"),
                ProfileFeedback.line(l, new ProfileFeedback.Observed(5, Map.of(8L, 2L, 16L, 3L), 0)) + "\n");
        ProfileFeedback back = ProfileFeedback.load(f);
        FoundSite adjusted = back.apply(List.of(program().sites().getFirst())).getFirst();
        assertThat(adjusted.site().sizes()).isEqualTo(SizeSet.of(8, 16));
        assertThat(ProfileFeedback.load(Files.writeString(dir.resolve("bad"), "site\tx\n")).isEmpty()).isTrue();
        assertThat(ProfileFeedback.load(dir.resolve("missing")).isEmpty()).isTrue();
    }

    @Test
    void parsesTransparentModeOptions() {
        AgentOptions defaults = AgentOptions.defaults();
        assertThat(defaults.transparentFamilies()).containsExactlyInAnyOrder(
                dev.lgmalloc.agent.transparent.TransparentRewriter.Family.values());
        AgentOptions o = AgentOptions.parse("unsafe=off,arena=on,direct=ON,exclude=com.example;org/other/Foo,dry-run");
        assertThat(o.transparentFamilies()).containsExactlyInAnyOrder(
                dev.lgmalloc.agent.transparent.TransparentRewriter.Family.ARENA,
                dev.lgmalloc.agent.transparent.TransparentRewriter.Family.DIRECT);
        assertThat(o.exclude()).containsExactly("com/example", "org/other/Foo");
        assertThat(o.dryRun()).isTrue();
        assertThat(AgentOptions.parse("arena=off,direct=off").transparentFamilies()).containsExactly(
                dev.lgmalloc.agent.transparent.TransparentRewriter.Family.UNSAFE);
        assertThatThrownBy(() -> AgentOptions.parse("arena=maybe")).hasMessage("arena must be on or off, not 'maybe'");
        assertThatThrownBy(() -> AgentOptions.parse("analysis=later"))
                .hasMessage("analysis must be background or sync, not 'later'");
        assertThatThrownBy(() -> AgentOptions.parse("exclude")).hasMessage("exclude needs a value");
        assertThat(defaults.analysisWaitMillis()).isEqualTo(AgentOptions.DEFAULT_ANALYSIS_WAIT_MILLIS);
        assertThat(AgentOptions.parse("analysis-wait=0").analysisWaitMillis()).isZero();
        assertThatThrownBy(() -> AgentOptions.parse("analysis-wait=-5"))
                .hasMessage("analysis-wait must be a number of milliseconds, 0 or more, not '-5'");
    }

    @Test
    void parsesOptions() {
        AgentOptions o = AgentOptions.parse("verify, threshold=0.75,cache=/tmp/x,report,verbose,report-file=r.json");
        assertThat(o.mode()).isEqualTo(AgentOptions.Mode.VERIFY);
        assertThat(o.threshold()).isEqualTo(0.75);
        assertThat(o.cacheDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(o.report()).isTrue();
        assertThat(o.verbose()).isTrue();
        assertThat(o.reportFile()).isEqualTo(Path.of("r.json"));
        assertThat(AgentOptions.parse("cache=off").cacheDir()).isNull();
        assertThat(AgentOptions.parse("mode=off").mode()).isEqualTo(AgentOptions.Mode.OFF);
        assertThat(AgentOptions.parse(null)).isEqualTo(AgentOptions.defaults());
        assertThatThrownBy(() -> AgentOptions.parse("threshold=2")).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> AgentOptions.parse("treshold=0.5")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> AgentOptions.parse("cache")).hasMessageContaining("needs a value");
    }
}
