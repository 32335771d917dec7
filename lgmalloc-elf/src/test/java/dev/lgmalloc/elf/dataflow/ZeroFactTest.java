package dev.lgmalloc.elf.dataflow;

import static dev.lgmalloc.elf.isa.x86.X86Registers.RDI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.elf.isa.x86.X86;
import dev.lgmalloc.elf.isa.x86.X86Registers;
import org.junit.jupiter.api.Test;

/** {@code n ? n : c} written as a branch: joins that use what a zero-test branch taught each path. */
class ZeroFactTest {

    private static final Value N = Value.argument(RDI);
    private static final Value ONE = Value.constant(1);
    private static final ZeroFact ZERO = ZeroFact.of(N, true);
    private static final ZeroFact NON_ZERO = ZeroFact.of(N, false);
    private static final Value N_OR_ONE_IF_ZERO = N.transformed(new Transform.ZeroReplaced(1));

    @Test
    void constantWhereZeroAndArgumentWhereNotMergeIntoZeroReplacement() {
        assertThat(ZeroFact.join(ONE, ZERO, N, NON_ZERO)).isEqualTo(N_OR_ONE_IF_ZERO);
        assertThat(ZeroFact.join(N, NON_ZERO, ONE, ZERO)).isEqualTo(N_OR_ONE_IF_ZERO);
    }

    @Test
    void withoutTheNonZeroFactTheArgumentPathMayCarryZero() {
        // if (n == 0 && flag) size = 1; else size = n;  -- n may be 0 on the else path
        assertThat(ZeroFact.join(ONE, ZERO, N, null)).isEqualTo(N.join(ONE));
        assertThat(ZeroFact.join(ONE, null, N, NON_ZERO)).isEqualTo(N.join(ONE));
    }

    @Test
    void factsAboutAnotherArgumentTeachNothing() {
        ZeroFact otherZero = ZeroFact.of(Value.argument(X86Registers.RSI), true);
        assertThat(ZeroFact.join(ONE, otherZero, N, NON_ZERO)).isEqualTo(N.join(ONE));
    }

    @Test
    void laterPathsAgreeingWithTheShapeKeepIt() {
        assertThat(ZeroFact.join(N_OR_ONE_IF_ZERO, null, N, NON_ZERO)).isEqualTo(N_OR_ONE_IF_ZERO);
        assertThat(ZeroFact.join(N_OR_ONE_IF_ZERO, null, ONE, ZERO)).isEqualTo(N_OR_ONE_IF_ZERO);
        assertThat(ZeroFact.join(N_OR_ONE_IF_ZERO, null, Value.constant(2), ZERO))
                .isEqualTo(N_OR_ONE_IF_ZERO.join(Value.constant(2)));
        assertThat(ZeroFact.join(N_OR_ONE_IF_ZERO, null, N, null).isUnknown()).isTrue();
    }

    @Test
    void anIntArgumentSignExtendedAfterTheTestStillVanishesExactlyWithIt() {
        Value n32 = N.transformed(new Transform.ZeroExtend32()); // cmp dword [rbp-20], 0
        Value widened = n32.transformed(new Transform.SignExtend32()); // cltq
        Value joined = ZeroFact.join(ONE, ZeroFact.of(n32, true), widened, ZeroFact.of(n32, false));
        assertThat(joined).isEqualTo(widened.transformed(new Transform.ZeroReplaced(1)));
    }

    @Test
    void truncatingA64BitArgumentDoesNotVanishExactlyWithIt() {
        // (uint32_t) n is 0 for n = 2^32 too, so n != 0 does not make it non-zero
        Value truncated = N.transformed(new Transform.ZeroExtend32());
        assertThat(ZeroFact.vanishesExactlyWith(truncated, N)).isFalse();
        assertThat(ZeroFact.join(ONE, ZERO, truncated, NON_ZERO)).isEqualTo(truncated.join(ONE));
        assertThat(ZeroFact.vanishesExactlyWith(N.transformed(new Transform.Affine(1, 1)), N)).isFalse();
    }

    @Test
    void onlyUnchangingArgumentsMakeFacts() {
        assertThat(ZeroFact.of(Value.constant(0), true)).isNull();
        assertThat(ZeroFact.of(Value.UNKNOWN, true)).isNull();
        assertThat(ZeroFact.of(N.join(ONE), true)).as("n or 1 is not one value").isNull();
        assertThat(ZeroFact.common(ZERO, ZeroFact.of(N, true))).isEqualTo(ZERO);
        assertThat(ZeroFact.common(ZERO, NON_ZERO)).isNull();
    }

    @Test
    void machineStatesJoinRegistersAndSlotsUnderTheirFacts() {
        MachineState zeroPath = MachineState.entry(X86.SYSTEM_V);
        zeroPath.registers[X86Registers.RAX] = ONE;
        zeroPath.fact = ZERO;
        MachineState nonZeroPath = MachineState.entry(X86.SYSTEM_V);
        nonZeroPath.registers[X86Registers.RAX] = N;
        nonZeroPath.fact = NON_ZERO;
        MachineState joined = MachineState.join(zeroPath, nonZeroPath, false);
        assertThat(joined.registers[X86Registers.RAX]).isEqualTo(N_OR_ONE_IF_ZERO);
        assertThat(joined.fact).as("the paths knew different things").isNull();
        assertThat(MachineState.join(joined, nonZeroPath, false).sameAs(joined)).as("a revisit is stable").isTrue();
    }
}
