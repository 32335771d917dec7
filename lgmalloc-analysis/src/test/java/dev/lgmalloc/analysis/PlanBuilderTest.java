package dev.lgmalloc.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanBuilderTest {

    private static AllocationSite site(int bci, SizeSet sizes, double reliability, int loopDepth) {
        return new AllocationSite(new JvmSiteLocation("demo/Main", "run", "()V", bci, 10 + bci), "malloc", List.of(),
                sizes, reliability, loopDepth, "");
    }

    @Test
    void constantSiteIsRoutedWithFullConfidence() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.of(64), 1.0, 0)), 0.9);
        SitePrediction p = plan.sites().getFirst();
        assertThat(p.blockSize()).isEqualTo(64);
        assertThat(p.confidence()).isEqualTo(1.0);
        assertThat(p.routed()).isTrue();
        assertThat(p.notRoutedReason()).isEmpty();
        assertThat(plan.provisionedBlockSizes()).containsExactly(64);
    }

    @Test
    void joinAcrossTwoClassesHalvesConfidenceAndIsNotRouted() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.of(100, 200), 1.0, 0)), 0.9);
        SitePrediction p = plan.sites().getFirst();
        assertThat(p.confidence()).isEqualTo(0.5);
        assertThat(p.routed()).isFalse();
        assertThat(p.notRoutedReason()).isEqualTo("confidence below the threshold 0.90");
    }

    @Test
    void joinInsideOneClassKeepsConfidence() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.of(40, 48), 0.95, 0)), 0.9);
        assertThat(plan.sites().getFirst().blockSize()).isEqualTo(48);
        assertThat(plan.sites().getFirst().confidence()).isEqualTo(0.95);
    }

    @Test
    void unknownAndLargeSitesPredictNoClass() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.unknown(), 1.0, 2),
                site(2, SizeSet.of(1 << 20), 1.0, 0)), 0.9);
        assertThat(plan.sites()).allSatisfy(p -> {
            assertThat(p.sizeClass()).isEqualTo(-1);
            assertThat(p.routed()).isFalse();
        });
        assertThat(plan.sites()).extracting(SitePrediction::notRoutedReason).containsExactly("size not predicted",
                "larger than the largest size class " + plan.sizeClasses().blockSize(plan.sizeClasses().count() - 1));
        assertThat(plan.classes()).isEmpty();
    }

    @Test
    void constantOffTheTableGetsAnExactClass() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.of(300), 1.0, 0)), 0.9);
        assertThat(plan.exactSizes()).containsExactly(304);
        assertThat(plan.sites().getFirst().blockSize()).isEqualTo(304);
        assertThat(plan.classes().getFirst().exact()).isTrue();
    }

    @Test
    void loopsWeighMoreInDemand() {
        AllocationPlan plan = PlanBuilder.build(List.of(site(1, SizeSet.of(32), 1.0, 0),
                site(2, SizeSet.of(1024), 1.0, 2)), 0.9);
        assertThat(plan.classes().getFirst().blockSize()).isEqualTo(1024);
        assertThat(plan.classes().getFirst().demand()).isEqualTo(64.0);
        assertThat(plan.classes().get(1).demand()).isEqualTo(1.0);
    }

    @Test
    void rejectsBadThreshold() {
        assertThatThrownBy(() -> PlanBuilder.build(List.of(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threshold");
    }

    @Test
    void sizeSetWidensBeyondItsLimit() {
        SizeSet s = SizeSet.of(1);
        for (int i = 2; i <= SizeSet.MAX_VALUES + 1; i++) {
            s = s.union(SizeSet.of(i));
        }
        assertThat(s.isKnown()).isFalse();
        assertThat(SizeSet.of(8, 8).isConstant()).isTrue();
        assertThat(SizeSet.of(-1).isKnown()).isFalse();
    }

    @Test
    void reportsRenderEverySite() {
        AllocationSite elf = new AllocationSite(new ElfSiteLocation(0x401136, 0x40113b, "main"), "malloc",
                List.of("xmalloc"), SizeSet.of(24), 1.0, 1, "");
        AllocationPlan plan = PlanBuilder.build(List.of(elf, site(3, SizeSet.of(64), 1.0, 0)), 0.9);
        AnalysisResult r = new AnalysisResult("a.out", "ELF x86-64", plan.sites().stream().map(SitePrediction::site)
                .toList(), List.of("truncated \"x\""), plan);
        StringBuilder text = new StringBuilder();
        ReportWriter.text(r, text);
        assertThat(text).contains("0x401136 (ret 0x40113b) in main", "xmalloc > malloc", "demo/Main.run()V @3 line 13");
        StringBuilder json = new StringBuilder();
        ReportWriter.json(r, json);
        assertThat(json).contains("\"address\": \"0x401136\"", "\"wrappers\": [\n", "\"xmalloc\"",
                "\"file\": \"a.out\"", "truncated \\\"x\\\"");
        StringBuilder lines = new StringBuilder();
        ReportWriter.jsonLines(r, lines);
        assertThat(lines.toString().lines()).hasSize(3).allMatch(l -> l.startsWith("{\"type\":"))
                .last().asString().startsWith("{\"type\":\"summary\",\"input\":\"a.out\"");
        StringBuilder csv = new StringBuilder();
        ReportWriter.csv(r, csv);
        assertThat(csv.toString().lines()).hasSize(3);
        assertThat(csv).contains("0x401136,0x40113b,main,malloc,xmalloc,{24},32,1.0000,1,true,,a.out,");
    }
}
