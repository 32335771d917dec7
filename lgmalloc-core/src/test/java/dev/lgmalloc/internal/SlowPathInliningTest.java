package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.MethodModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * malloc's slow path stays out of malloc's compiled code: C2 inlines a method at a hot call site only up to
 * {@code FreqInlineSize} (325 bytes of bytecode on x86-64 and AArch64), and a young program takes the slow path
 * often enough to count as hot. Inlined, it made malloc's machine code too big for its callers to inline
 * ({@code InlineSmallCode}); see {@link Heap}'s {@code mallocSlow}. And the fast path calls no helper: C2 inlines a
 * call by the profile of the branch it is on.
 */
class SlowPathInliningTest {

    /** C2's default {@code -XX:FreqInlineSize}. */
    private static final int FREQ_INLINE_SIZE = 325;

    @Test
    void theSlowPathIsTooBigForC2ToInlineAtAHotCallSiteAndTheFastPathIsNot() throws IOException {
        assertThat(codeLength(Heap.class, "mallocSlow"))
                .as("bytecode of Heap.mallocSlow: at most %d and C2 compiles it into malloc", FREQ_INLINE_SIZE)
                .isGreaterThan(FREQ_INLINE_SIZE);
        assertThat(codeLength(Heap.class, "malloc")).isLessThanOrEqualTo(FREQ_INLINE_SIZE);
    }

    @Test
    void theLockedExtentFreeIsTooBigForC2ToInlineIntoFree() throws IOException {
        // Inlined, it made Heap.free's machine code about 7 KB, and C2 then inlined free into no caller compiled later
        assertThat(codeLength(Units.class, "liveBlock"))
                .as("bytecode of Units.liveBlock: at most %d and C2 compiles it into every free", FREQ_INLINE_SIZE)
                .isGreaterThan(FREQ_INLINE_SIZE);
    }

    @Test
    void theLockedExtentAllocationIsTooBigForC2ToInlineIntoTheWalk() throws IOException {
        // Inlined, Extents.take's compile took 13.9 MB of the JIT's arena, where the two apart take 5.4 and 5.0
        assertThat(codeLength(Units.class, "allocate"))
                .as("bytecode of Units.allocate: at most %d and C2 compiles it into Extents.take", FREQ_INLINE_SIZE)
                .isGreaterThan(FREQ_INLINE_SIZE);
    }

    @Test
    void theExtentMissIsTooBigForC2ToInlineIntoTheSlowPath() throws IOException {
        // Inlined when C2 compiled mallocSlow before it, the compile took 15 MB of the JIT's arena, not 10-12
        assertThat(codeLength(Extents.class, "take"))
                .as("bytecode of Extents.take: at most %d and C2 may compile it into mallocSlow", FREQ_INLINE_SIZE)
                .isGreaterThan(FREQ_INLINE_SIZE);
    }

    @Test
    void theFastPathCallsNothingButTheSlowPathAndTheWordAccess() throws IOException {
        // C2 leaves a call on a branch its profile calls rare: a profile taken while pages were fresh made malloc
        // call Page.decode, Memory.getLong and Memory.putLong for the JVM's life. VarHandle code is @ForceInline.
        List<String> calls = code(Heap.class, "malloc", "(I)J").elementStream()
                .filter(InvokeInstruction.class::isInstance).map(InvokeInstruction.class::cast)
                .map(call -> call.owner().asInternalName() + "." + call.name().stringValue())
                .toList();
        assertThat(calls).isNotEmpty().allSatisfy(call -> assertThat(call).isIn(
                "dev/lgmalloc/internal/Heap.mallocSlow", "java/lang/invoke/VarHandle.get",
                "java/lang/invoke/VarHandle.set"));
    }

    private static int codeLength(Class<?> c, String method) throws IOException {
        return model(c).methods().stream()
                .filter(m -> m.methodName().equalsString(method))
                .map(MethodModel::code).flatMap(java.util.Optional::stream)
                .mapToInt(code -> ((CodeAttribute) code).codeLength())
                .max().orElseThrow(() -> new AssertionError(c.getName() + " has no method " + method));
    }

    private static CodeModel code(Class<?> c, String method, String descriptor) throws IOException {
        return model(c).methods().stream()
                .filter(m -> m.methodName().equalsString(method) && m.methodType().equalsString(descriptor))
                .map(MethodModel::code).flatMap(java.util.Optional::stream)
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no method " + method));
    }

    private static ClassModel model(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return ClassFile.of().parse(in.readAllBytes());
        }
    }
}
