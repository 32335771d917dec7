package dev.lgmalloc.elf.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Affine size transforms agree with the machine's wrapping 64-bit arithmetic, applied and composed. */
class AffinePropertiesTest {

    @Property(tries = 500)
    void affineMapsComputeWhatTheMachineComputes(@ForAll long n, @ForAll long a1, @ForAll long c1,
                                                 @ForAll long a2, @ForAll long c2) {
        Transform.Affine first = new Transform.Affine(a1, c1);
        Transform.Affine second = new Transform.Affine(a2, c2);
        long wrapped = a2 * (a1 * n + c1) + c2;
        assertThat(second.apply(first.apply(new long[] {n}))).containsExactly(wrapped);
        assertThat(second.after(first).apply(new long[] {n})).containsExactly(wrapped);
    }
}
