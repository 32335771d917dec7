package dev.lgmalloc.elf.dataflow;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static dev.lgmalloc.elf.isa.x86.X86Registers.RSI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.elf.isa.x86.X86;
import dev.lgmalloc.elf.isa.x86.X86Registers;
import dev.lgmalloc.elf.dataflow.SizeExpression.Derived;
import dev.lgmalloc.elf.dataflow.SizeExpression.Known;
import dev.lgmalloc.elf.dataflow.SizeExpression.Unknown;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Evaluating an entry point's size expression with the registers a call site passes. */
class SizeExpressionTest {

    private static Value[] registers(Value rdi, Value rsi) {
        Value[] r = new Value[X86Registers.COUNT];
        Arrays.fill(r, Value.UNKNOWN);
        r[RDI] = rdi;
        r[RSI] = rsi;
        return r;
    }

    private static final SizeExpression PLUS_ONE = new SizeExpression(List.of(
            new SizeExpression.FromArgument(RDI, List.of(new Transform.Affine(1, 1)))));

    @Test
    void constantsGoThroughTheTransforms() {
        assertThat(PLUS_ONE.evaluate(registers(Value.constant(40), Value.UNKNOWN), X86.SYSTEM_V))
                .isInstanceOfSatisfying(Known.class, k -> assertThat(k.values()).containsExactly(41));
    }

    @Test
    void anArgumentPassedOnComposesTransforms() {
        Value twice = Value.argument(RSI).transformed(new Transform.Affine(2, 0));
        assertThat(PLUS_ONE.evaluate(registers(twice, Value.UNKNOWN), X86.SYSTEM_V))
                .isEqualTo(new Derived(new SizeExpression(List.of(new SizeExpression.FromArgument(RSI,
                        List.of(new Transform.Affine(2, 1)))))));
    }

    @Test
    void aProductBecomesTwoFactorsOnlyWhenNotTransformed() {
        Value product = Value.product(Value.argument(RDI), Value.argument(RSI));
        assertThat(SizeExpression.argument(RDI).evaluate(registers(product, Value.UNKNOWN), X86.SYSTEM_V))
                .isEqualTo(new Derived(SizeExpression.product(RDI, RSI)));
        assertThat(PLUS_ONE.evaluate(registers(product, Value.UNKNOWN), X86.SYSTEM_V)).isInstanceOf(Unknown.class);
        // calloc(n * s, 4) from a wrapper called as w(6, 20)
        SizeExpression calloc = SizeExpression.product(RDI, RSI);
        Derived derived = (Derived) calloc.evaluate(registers(product, Value.constant(4)), X86.SYSTEM_V);
        assertThat(derived.expression().evaluate(registers(Value.constant(6), Value.constant(20)), X86.SYSTEM_V))
                .isInstanceOfSatisfying(Known.class, k -> assertThat(k.values()).containsExactly(480));
    }

    @Test
    void overflowingProductsAreUnknown() {
        assertThat(SizeExpression.product(RDI, RSI).evaluate(registers(Value.constant(1L << 40),
                Value.constant(1L << 40)), X86.SYSTEM_V)).isInstanceOf(Unknown.class);
    }
}
