package dev.lgmalloc.analysis.jvm.interp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.value.ConstantSet;
import java.lang.classfile.Opcode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Constant folding must agree with the JVM's own arithmetic, overflow and all. */
class ArithmeticPropertiesTest {

    @Property(tries = 300)
    void intOperatorsFoldLikeJava(@ForAll int a, @ForAll int b) {
        assertThat(fold(Opcode.IADD, Value.intConstant(a), Value.intConstant(b))).containsExactly(a + b);
        assertThat(fold(Opcode.IMUL, Value.intConstant(a), Value.intConstant(b))).containsExactly(a * b);
        assertThat(fold(Opcode.ISHL, Value.intConstant(a), Value.intConstant(b))).containsExactly(a << b);
        assertThat(fold(Opcode.IUSHR, Value.intConstant(a), Value.intConstant(b))).containsExactly(a >>> b);
        if (b != 0) {
            assertThat(fold(Opcode.IDIV, Value.intConstant(a), Value.intConstant(b))).containsExactly(a / b);
            assertThat(fold(Opcode.IREM, Value.intConstant(a), Value.intConstant(b))).containsExactly(a % b);
        } else {
            assertThat(Arithmetic.binary(Opcode.IDIV, Value.intConstant(a), Value.intConstant(b)).hasConstants())
                    .as("division by zero throws, so it predicts nothing").isFalse();
        }
    }

    @Property(tries = 300)
    void longOperatorsAndConversionsFoldLikeJava(@ForAll long a, @ForAll long b, @ForAll int shift) {
        assertThat(fold(Opcode.LSUB, Value.longConstant(a), Value.longConstant(b))).containsExactly(a - b);
        assertThat(fold(Opcode.LSHL, Value.longConstant(a), Value.intConstant(shift))).containsExactly(a << shift);
        assertThat(fold(Opcode.LCMP, Value.longConstant(a), Value.longConstant(b))).containsExactly(Long.compare(a, b));
        Value narrowed = Arithmetic.convert(java.lang.classfile.TypeKind.INT, Value.longConstant(a));
        assertThat(narrowed.constants().values()).containsExactly((int) a);
        Value asShort = Arithmetic.convert(java.lang.classfile.TypeKind.SHORT, narrowed);
        assertThat(asShort.constants().values()).containsExactly((short) (int) a);
    }

    @Property(tries = 100)
    void setsCombinePairwiseAndWidenBeyondTheLimit(@ForAll int a, @ForAll int b) {
        Value two = Value.join(Value.intConstant(a), Value.intConstant(b));
        Value sums = Arithmetic.binary(Opcode.IADD, two, two);
        assertThat(sums.constants().values()).containsExactlyInAnyOrder(
                java.util.stream.LongStream.of(a + a, a + b, b + b).distinct().toArray());
        Value wide = Value.intConstant(0);
        for (int i = 1; i <= ConstantSet.MAX_SIZE; i++) {
            wide = Value.join(wide, Value.intConstant(i));
        }
        assertThat(wide.hasConstants()).as("9 distinct values widen to unknown").isFalse();
    }

    private static long[] fold(Opcode op, Value a, Value b) {
        Value r = Arithmetic.binary(op, a, b);
        assertThat(r.hasConstants()).isTrue();
        return r.constants().values();
    }
}
