package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.agent.runtime.SiteRecorder;
import dev.lgmalloc.agent.runtime.SiteStats;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.StackMapFrameInfo;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.Test;

class SiteRewriterTest {

    private final byte[] original = GeneratedClasses.sites();

    private RoutingPlan plan() throws Exception {
        return RoutingPlan.of(GeneratedClasses.analysed(original), 0.9);
    }

    private static PlannedSite site(RoutingPlan plan, String method) {
        return plan.sites().stream().filter(s -> s.location().methodName().equals(method)).findFirst().orElseThrow();
    }

    private static CodeModel code(byte[] bytes, String method) {
        ClassModel cm = ClassFile.of().parse(bytes);
        return cm.methods().stream().filter(m -> m.methodName().equalsString(method)).findFirst()
                .flatMap(MethodModel::code).orElseThrow();
    }

    private static List<Instruction> instructions(byte[] bytes, String method) {
        return code(bytes, method).elementStream().filter(e -> e instanceof Instruction).map(e -> (Instruction) e)
                .toList();
    }

    @Test
    void routesConfidentMallocSitesToThePredictedClass() throws Exception {
        RoutingPlan plan = plan();
        PlannedSite pick = site(plan, "pick");
        assertThat(pick.sizes().values()).containsExactly(40, 48);
        assertThat(pick.fastPath()).isTrue();
        assertThat(site(plan, "fixed").fastPath()).isTrue();
        assertThat(site(plan, "unknown").fastPath()).isFalse();
        assertThat(site(plan, "layout").fastPath()).isFalse(); // the JDK's Arena: reported, never routed

        byte[] out = SiteRewriter.rewrite(original, plan.sitesOf(GeneratedClasses.NAME).sites(),
                SiteRewriter.Mode.ROUTE);

        assertThat(ClassFile.of().verify(out)).isEmpty();
        List<Instruction> ins = instructions(out, "pick");
        int call = indexOfInvoke(ins, "mallocPredicted");
        assertThat(((ConstantInstruction) ins.get(call - 1)).constantValue()).isEqualTo(pick.sizeClass());
        assertThat(ins).noneMatch(i -> i instanceof InvokeInstruction inv && inv.name().equalsString("malloc"));
        assertThat(instructions(out, "unknown")).anyMatch(
                i -> i instanceof InvokeInstruction inv && inv.name().equalsString("malloc"));
    }

    @Test
    void routesConfidentSegmentAllocationsToAllocatePredicted() throws Exception {
        RoutingPlan plan = plan();
        PlannedSite record = site(plan, "record");
        assertThat(record.fastPath()).isTrue();
        byte[] out = SiteRewriter.rewrite(original, plan.sitesOf(GeneratedClasses.NAME).sites(),
                SiteRewriter.Mode.ROUTE);
        assertThat(ClassFile.of().verify(out)).isEmpty();
        List<Instruction> ins = instructions(out, "record");
        int call = indexOfInvoke(ins, "allocatePredicted");
        assertThat(((ConstantInstruction) ins.get(call - 1)).constantValue()).isEqualTo(record.sizeClass());
        Class<?> c = new GeneratedClasses.Loader().define(GeneratedClasses.NAME, out);
        java.lang.foreign.MemorySegment s = (java.lang.foreign.MemorySegment) c.getMethod("record").invoke(null);
        assertThat(s.byteSize()).isEqualTo(24);
        assertThat(LgMalloc.usableSize(s.address())).isEqualTo(32);
        LgMalloc.free(s);
    }

    @Test
    void keepsTheOriginalStackMapFramesAtTheirLabels() throws Exception {
        RoutingPlan plan = plan();
        byte[] out = SiteRewriter.rewrite(original, plan.sitesOf(GeneratedClasses.NAME).sites(),
                SiteRewriter.Mode.ROUTE);
        List<StackMapFrameInfo> before = code(original, "pick").findAttribute(Attributes.stackMapTable())
                .orElseThrow().entries();
        CodeModel rewritten = code(out, "pick");
        List<StackMapFrameInfo> after = rewritten.findAttribute(Attributes.stackMapTable()).orElseThrow().entries();
        assertThat(after).hasSameSizeAs(before);
        for (int i = 0; i < before.size(); i++) {
            assertThat(after.get(i).stack()).isEqualTo(before.get(i).stack());
            assertThat(after.get(i).locals()).isEqualTo(before.get(i).locals());
        }
        // The frame at the join (stack: the long size) now sits on the pushed class index before mallocPredicted.
        java.lang.classfile.Label join = after.getLast().target();
        List<java.lang.classfile.CodeElement> elements = rewritten.elementList();
        int at = -1;
        for (int i = 0; i < elements.size(); i++) {
            if (elements.get(i) instanceof java.lang.classfile.instruction.LabelTarget lt && lt.label().equals(join)) {
                at = i;
            }
        }
        assertThat(at).isNotNegative();
        Instruction next = (Instruction) elements.subList(at, elements.size()).stream()
                .filter(e -> e instanceof Instruction).findFirst().orElseThrow();
        assertThat(next).isInstanceOf(ConstantInstruction.class);
    }

    @Test
    void rewrittenClassRunsOnTheRealAllocator() throws Exception {
        RoutingPlan plan = plan();
        byte[] out = SiteRewriter.rewrite(original, plan.sitesOf(GeneratedClasses.NAME).sites(),
                SiteRewriter.Mode.ROUTE);
        Class<?> c = new GeneratedClasses.Loader().define(GeneratedClasses.NAME, out); // the JVM verifies it
        Method pick = c.getMethod("pick", boolean.class);
        for (boolean big : new boolean[]{true, false}) {
            long p = (long) pick.invoke(null, big);
            assertThat(p).isNotZero();
            assertThat(LgMalloc.usableSize(p)).isGreaterThanOrEqualTo(big ? 40 : 48);
            LgMalloc.free(p);
        }
    }

    @Test
    void verifyModeRecordsEverySiteThroughInvokedynamic() throws Exception {
        RoutingPlan plan = plan();
        byte[] out = SiteRewriter.rewrite(original, plan.sitesOf(GeneratedClasses.NAME).sites(),
                SiteRewriter.Mode.VERIFY);
        assertThat(ClassFile.of().verify(out)).isEmpty();
        assertThat(instructions(out, "layout")).anyMatch(i -> i instanceof InvokeDynamicInstruction);
        VerificationReport.install(plan);
        Class<?> c = new GeneratedClasses.Loader().define(GeneratedClasses.NAME, out);
        long a = (long) c.getMethod("fixed").invoke(null);
        long b = (long) c.getMethod("unknown", long.class).invoke(null, 1234L);
        try (Arena arena = Arena.ofConfined()) {
            assertThat((long) c.getMethod("layout", Arena.class).invoke(null, arena)).isNotZero();
        }
        LgMalloc.free(a);
        LgMalloc.free(b);
        SiteStats fixed = SiteRecorder.stats(site(plan, "fixed").id());
        assertThat(fixed.calls()).isEqualTo(1);
        assertThat(fixed.inPredictedSet()).isEqualTo(1);
        assertThat(SiteRecorder.stats(site(plan, "unknown").id()).sizes()).containsEntry(1234L, 1L);
        assertThat(SiteRecorder.stats(site(plan, "layout").id()).sizes()).containsEntry(8L, 1L);
        assertThat(SiteRecorder.stats(site(plan, "pick").id()).calls()).isZero();
        assertThat(new VerificationReport(plan).json()).contains("\"calls\":1,\"inPredictedSet\":1");
    }

    @Test
    void aSiteThatIsNotWhereThePlanSaysLeavesTheClassAlone() throws Exception {
        PlannedSite fixed = site(plan(), "fixed");
        PlannedSite moved = new PlannedSite(fixed.id(), new dev.lgmalloc.analysis.JvmSiteLocation(
                GeneratedClasses.NAME, "fixed", "()J", fixed.location().bci() + 1, -1), fixed.entryPoint(),
                fixed.sizes(), fixed.sizeClass(), fixed.blockSize(), 1, true, true);
        assertThatThrownBy(() -> SiteRewriter.rewrite(original, List.of(moved), SiteRewriter.Mode.ROUTE))
                .isInstanceOf(RewriteException.class).hasMessageContaining("fixed");
        PlannedSite elsewhere = new PlannedSite(fixed.id(), new dev.lgmalloc.analysis.JvmSiteLocation(
                GeneratedClasses.NAME, "gone", "()J", fixed.location().bci(), -1), fixed.entryPoint(),
                fixed.sizes(), fixed.sizeClass(), fixed.blockSize(), 1, true, true);
        assertThatThrownBy(() -> SiteRewriter.rewrite(original, List.of(elsewhere), SiteRewriter.Mode.ROUTE))
                .isInstanceOf(RewriteException.class).hasMessageContaining("gone");
    }

    private static int indexOfInvoke(List<Instruction> ins, String name) {
        for (int i = 0; i < ins.size(); i++) {
            if (ins.get(i) instanceof InvokeInstruction inv && inv.name().equalsString(name)) {
                return i;
            }
        }
        throw new AssertionError("no call to " + name + " in " + ins);
    }
}
