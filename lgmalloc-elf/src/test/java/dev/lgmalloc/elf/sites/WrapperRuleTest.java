package dev.lgmalloc.elf.sites;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.elf.dataflow.SizeExpression;
import dev.lgmalloc.elf.dataflow.SizeExpression.Derived;
import dev.lgmalloc.elf.dataflow.SizeExpression.Evaluation;
import dev.lgmalloc.elf.dataflow.SizeExpression.Known;
import dev.lgmalloc.elf.dataflow.SizeExpression.Unknown;
import dev.lgmalloc.elf.dataflow.Transform;
import dev.lgmalloc.elf.isa.x86.X86;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which functions are wrappers, and how sure their callers' predictions are. */
class WrapperRuleTest {

    private static final AllocatorCatalog CATALOG = AllocatorCatalog.of(X86.SYSTEM_V);
    private static final EntryPoint MALLOC = CATALOG.lookup("malloc");
    private static final EntryPoint CALLOC = CATALOG.lookup("calloc");
    private static final SizeExpression N = SizeExpression.argument(RDI);
    private static final SizeExpression N_TIMES_S = SizeExpression.product(RDI, RSI);

    private static SiteFinder.Observation call(EntryPoint callee, Evaluation e, boolean tail) {
        return new SiteFinder.Observation(0x1000, 5, tail, callee, e, 0);
    }

    private static Evaluation derived(SizeExpression e) {
        return new Derived(e);
    }

    @Test
    void agreeingPathsMakeAFullyReliableWrapper() {
        WrapperRule.MainPath main = WrapperRule.decide(List.of(call(MALLOC, derived(N), false),
                call(MALLOC, derived(N), true)));
        assertThat(main.size()).isEqualTo(N);
        assertThat(main.reliability()).isEqualTo(1.0);
    }

    @Test
    void ownConstantSitesDoNotDecide() {
        // p = malloc(n); if (!p && !n) p = malloc(1);  -- malloc(1) is predicted where it is
        WrapperRule.MainPath main = WrapperRule.decide(List.of(call(MALLOC, derived(N), false),
                call(MALLOC, new Known(new long[] {1}), false), call(MALLOC, new Unknown("?"), false)));
        assertThat(main.reliability()).isEqualTo(1.0);
        assertThat(WrapperRule.decide(List.of(call(MALLOC, new Known(new long[] {1}), false)))).isNull();
    }

    @Test
    void aZeroSizeRetryIsAFallbackThatLowersReliability() {
        // calloc(n, s), then calloc(0, s) on the retry path
        SizeExpression zeroTimesS = new SizeExpression(List.of(new SizeExpression.FromArgument(RSI, List.of()),
                new SizeExpression.Fixed(new long[] {0})));
        WrapperRule.MainPath main = WrapperRule.decide(List.of(call(CALLOC, derived(N_TIMES_S), false),
                call(CALLOC, derived(zeroTimesS), false)));
        assertThat(main.size()).isEqualTo(N_TIMES_S);
        assertThat(main.reliability()).isEqualTo(WrapperRule.DISAGREEING_PATHS_RELIABILITY);
        // realloc(p, n), or xmalloc(0) by tail call when n == 0
        EntryPoint realloc = CATALOG.lookup("realloc");
        WrapperRule.MainPath xrealloc = WrapperRule.decide(List.of(call(MALLOC, new Known(new long[] {0}), true),
                call(realloc, derived(SizeExpression.argument(RSI)), false)));
        assertThat(xrealloc.callee().allocator()).isEqualTo("realloc");
        assertThat(xrealloc.reliability()).isLessThan(1.0);
    }

    @Test
    void twoMainPathsWithDifferentSizesAreNoWrapper() {
        SizeExpression plusEight = new SizeExpression(List.of(new SizeExpression.FromArgument(RDI,
                List.of(new Transform.Affine(1, 8)))));
        assertThat(WrapperRule.decide(List.of(call(MALLOC, derived(N), false),
                call(MALLOC, derived(plusEight), false)))).isNull();
        assertThat(WrapperRule.decide(List.of(call(MALLOC, derived(N), false),
                call(MALLOC, new Known(new long[] {64}), true)))).isNull();
    }

    @Test
    void theSameSizeThroughAnotherAllocatorIsKeptButLessReliable() {
        // p ? realloc(p, n) : malloc(n), as bash's xrealloc
        EntryPoint realloc = CATALOG.lookup("realloc");
        SizeExpression rsi = SizeExpression.argument(RSI);
        WrapperRule.MainPath main = WrapperRule.decide(List.of(call(realloc, derived(rsi), false),
                call(MALLOC, derived(rsi), false)));
        assertThat(main.callee().allocator()).isEqualTo("realloc");
        assertThat(main.size()).isEqualTo(rsi);
        assertThat(main.reliability()).isEqualTo(WrapperRule.DISAGREEING_PATHS_RELIABILITY);
    }

    @Test
    void tailCallsWithOnlyTinyConstantsMustAgree() {
        assertThat(WrapperRule.decide(List.of(call(MALLOC, new Known(new long[] {1}), true))).size())
                .isEqualTo(new SizeExpression(List.of(new SizeExpression.Fixed(new long[] {1}))));
        assertThat(WrapperRule.decide(List.of(call(MALLOC, new Known(new long[] {1}), true),
                call(MALLOC, new Known(new long[] {0}), true)))).isNull();
    }

    @Test
    void reliabilityMultipliesThroughWrappersOfWrappers() {
        EntryPoint discounted = new EntryPoint("malloc", List.of("xmalloc"), N, 0.95);
        WrapperRule.MainPath outer = WrapperRule.decide(List.of(call(discounted, derived(N), true)));
        assertThat(outer.reliability()).isEqualTo(0.95);
    }

    @Test
    void fallbackSizesAreAtMostOneWhateverTheArguments() {
        assertThat(WrapperRule.isFallback(new SizeExpression(List.of(new SizeExpression.Fixed(new long[] {0, 1})))))
                .isTrue();
        assertThat(WrapperRule.isFallback(new SizeExpression(List.of(new SizeExpression.Fixed(new long[] {2})))))
                .isFalse();
        assertThat(WrapperRule.isFallback(new SizeExpression(List.of(new SizeExpression.FromArgument(RDI, List.of()),
                new SizeExpression.Fixed(new long[] {1}))))).isFalse();
        assertThat(WrapperRule.isFallback(N)).isFalse();
    }
}
