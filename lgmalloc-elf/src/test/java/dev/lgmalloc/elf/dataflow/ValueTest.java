package dev.lgmalloc.elf.dataflow;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The value lattice: constant sets, argument transforms (affine ones composed), products, and joins. */
class ValueTest {

    private static final Value N = Value.argument(RDI);
    private static final Value S = Value.argument(RSI);

    @Test
    void constantJoinsUnionUntilTooManyThenUnknown() {
        assertThat(Value.constant(200).join(Value.constant(100))).isEqualTo(Value.constants(new long[] {100, 200}));
        Value eight = Value.constants(LongStream.rangeClosed(1, ConstantSet.MAX_SIZE).toArray());
        assertThat(eight.isConstants()).isTrue();
        assertThat(eight.join(Value.constant(99)).isUnknown()).isTrue();
        assertThat(eight.join(Value.UNKNOWN).isUnknown()).isTrue();
    }

    @Test
    void argumentJoinedWithConstantsKeepsTheArgumentAndAddsThem() {
        Value joined = N.join(Value.constant(1)).join(Value.constant(7));
        assertThat(joined.isArgument()).isTrue();
        assertThat(joined.transforms()).containsExactly(new Transform.OrOneOf(new long[] {1, 7}));
        assertThat(joined.join(N)).isEqualTo(joined);
        assertThat(joined.surelySameAs(joined)).as("n or 1 may differ between two registers").isFalse();
    }

    @Test
    void differentlyTransformedArgumentsJoinToUnknown() {
        Value plusOne = N.transformed(new Transform.Affine(1, 1));
        assertThat(N.join(plusOne).isUnknown()).isTrue();
        assertThat(N.join(S).isUnknown()).isTrue();
        assertThat(N.join(Value.frame(-8)).isUnknown()).isTrue();
    }

    @Test
    void consecutiveAffineMapsCompose() {
        Value v = N.transformed(new Transform.Affine(1, 1)).transformed(new Transform.Affine(8, 0));
        assertThat(v.transforms()).containsExactly(new Transform.Affine(8, 8));
        assertThat(v.transformed(new Transform.Affine(1, -8)).transformed(new Transform.Affine(1, 0)).transforms())
                .containsExactly(new Transform.Affine(8, 0));
        Value back = N.transformed(new Transform.Affine(1, 5)).transformed(new Transform.Affine(1, -5));
        assertThat(back).as("n + 5 - 5 is n").isEqualTo(N);
    }

    @Test
    void anExtensionBetweenAffineMapsIsKept() {
        Value v = N.transformed(new Transform.Affine(1, 1)).transformed(new Transform.ZeroExtend32())
                .transformed(new Transform.Affine(2, 0));
        assertThat(v.transforms()).hasSize(3);
        Value extendedTwice = N.transformed(new Transform.ZeroExtend32()).transformed(new Transform.ZeroExtend32());
        assertThat(extendedTwice.transforms()).containsExactly(new Transform.ZeroExtend32());
    }

    @Test
    void productsNeedTwoArgumentsAndDoNotTransformOrJoin() {
        Value p = Value.product(N, S);
        assertThat(p.isProduct()).isTrue();
        assertThat(p.productFactors()).containsExactly(N, S);
        assertThat(Value.product(N, Value.constant(3)).isUnknown()).isTrue();
        assertThat(p.transformed(new Transform.ZeroExtend32()).isUnknown()).isTrue();
        assertThat(p.join(Value.product(N, S))).isEqualTo(p);
        assertThat(p.join(N).isUnknown()).isTrue();
        assertThat(p.join(Value.constant(0)).isUnknown()).isTrue();
    }

    @Test
    void transformsApplyInOrderToCallerConstants() {
        List<Transform> steps = List.of(new Transform.ZeroReplaced(1), new Transform.Affine(1, 1),
                new Transform.OrOneOf(new long[] {4}));
        long[] sizes = {0, 10};
        for (Transform t : steps) {
            sizes = t.apply(sizes);
        }
        assertThat(sizes).containsExactly(2, 4, 11);
    }
}
