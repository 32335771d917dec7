package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingTransformerTest {

    private final byte[] original = GeneratedClasses.sites();
    private final ClassLoader loader = getClass().getClassLoader();

    private RoutingTransformer transformer(AnalysedProgram program) {
        return new RoutingTransformer(RoutingPlan.of(program, 0.9), SiteRewriter.Mode.ROUTE, false);
    }

    /** The plan of the generated class, claiming {@code bytes} are what was analysed. */
    private AnalysedProgram planClaiming(byte[] bytes) throws Exception {
        AnalysedProgram p = GeneratedClasses.analysed(original);
        return new AnalysedProgram(p.sites(), Map.of(GeneratedClasses.NAME, Crc.of(bytes)), p.warnings());
    }

    @Test
    void rewritesTheAnalysedBytes() throws Exception {
        RoutingTransformer t = transformer(GeneratedClasses.analysed(original));
        byte[] out = t.transform(null, loader, GeneratedClasses.NAME, null, null, original);
        assertThat(out).isNotNull().isNotEqualTo(original);
        assertThat(t.rewrittenClasses()).isEqualTo(1);
    }

    @Test
    void removesItselfOnceEveryPlannedClassWasHandled() throws Exception {
        List<Object> removed = new java.util.ArrayList<>();
        // Only removeTransformer may be called: anything else fails the test.
        java.lang.instrument.Instrumentation inst = (java.lang.instrument.Instrumentation) java.lang.reflect.Proxy
                .newProxyInstance(loader, new Class<?>[]{java.lang.instrument.Instrumentation.class}, (p, m, args) -> {
                    assertThat(m.getName()).isEqualTo("removeTransformer");
                    removed.add(args[0]);
                    return true;
                });
        RoutingPlan plan = RoutingPlan.of(GeneratedClasses.analysed(original), 0.9);
        RoutingTransformer t = new RoutingTransformer(plan.classes(), SiteRewriter.Mode.ROUTE, false, inst);
        // Unplanned classes, and a loader that does not see the agent's LgMalloc, do not count.
        assertThat(t.transform(null, loader, "other/Cls", null, null, original)).isNull();
        assertThat(t.transform(null, new ClassLoader(null) { }, GeneratedClasses.NAME, null, null, original))
                .isNull();
        assertThat(removed).isEmpty();
        assertThat(t.transform(null, loader, GeneratedClasses.NAME, null, null, original)).isNotNull();
        assertThat(removed).containsExactly(t);
        assertThat(t.removed()).isTrue();
        t.transform(null, loader, GeneratedClasses.NAME, null, null, original); // a second loader: no second removal
        assertThat(removed).hasSize(1);
    }

    @Test
    void leavesChangedClassesUnchanged() throws Exception {
        byte[] changed = original.clone();
        changed[changed.length - 1] ^= 1;
        RoutingTransformer t = transformer(GeneratedClasses.analysed(original));
        assertThat(t.transform(null, loader, GeneratedClasses.NAME, null, null, changed)).isNull();
        assertThat(t.refusedClasses()).isEqualTo(1);
    }

    @Test
    void skipsTheJdkTheBootstrapLoaderAndLgmallocItself() throws Exception {
        RoutingTransformer t = transformer(GeneratedClasses.analysed(original));
        assertThat(t.transform(null, null, GeneratedClasses.NAME, null, null, original)).isNull();
        assertThat(t.transform(null, ClassLoader.getPlatformClassLoader(), GeneratedClasses.NAME, null, null,
                original)).isNull();
        assertThat(RoutingTransformer.isSkippedName("java/lang/String")).isTrue();
        assertThat(RoutingTransformer.isSkippedName("dev/lgmalloc/LgArena")).isTrue();
        assertThat(RoutingTransformer.isSkippedName("dev/lgmalloc/internal/Os")).isTrue();
        assertThat(RoutingTransformer.isSkippedName("dev/lgmalloc/agent/SiteRewriter")).isTrue();
        assertThat(RoutingTransformer.isSkippedName("dev/lgmalloc/cli/Demo")).isFalse();
        assertThat(RoutingTransformer.isSkippedName("com/example/App")).isFalse();
        assertThat(t.rewrittenClasses()).isZero();
    }

    @Test
    void corruptClassBytesLoadUnchangedWithoutThrowing() throws Exception {
        List<byte[]> corrupt = List.of(new byte[0], new byte[]{(byte) 0xCA, (byte) 0xFE},
                Arrays.copyOf(original, original.length / 2), "not a class".getBytes());
        for (byte[] bad : corrupt) {
            // The plan claims exactly these bytes, so they reach the rewriter: it must fail, and quietly.
            RoutingTransformer t = transformer(planClaiming(bad));
            assertThat(t.transform(null, loader, GeneratedClasses.NAME, null, null, bad)).isNull();
            assertThat(t.refusedClasses()).isEqualTo(1);
        }
    }

    @Test
    void mutatedClassBytesNeverEscapeTheTransformer() throws Exception {
        Random random = new Random(42);
        int rewritten = 0;
        for (int round = 0; round < 300; round++) {
            byte[] bad = original.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            RoutingTransformer t = transformer(planClaiming(bad));
            byte[] out = t.transform(null, loader, GeneratedClasses.NAME, null, null, bad); // must not throw
            if (out != null) {
                rewritten++;
                // What comes out must at least parse: a mutation in a constant or a name can survive.
                assertThat(java.lang.classfile.ClassFile.of().parse(out).thisClass()).isNotNull();
            }
            assertThat(t.rewrittenClasses() + t.refusedClasses()).isEqualTo(1);
        }
        assertThat(rewritten).isLessThan(300);
    }
}
