package dev.lgmalloc.analysis.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ConstantSetTest {

    @Test
    void valuesAreSortedAndDistinctAndTooManyAreUnknown() {
        assertThat(ConstantSet.of(48, 40, 48).values()).containsExactly(40, 48);
        assertThat(ConstantSet.of(LongStream.rangeClosed(1, ConstantSet.MAX_SIZE).toArray()).isKnown()).isTrue();
        assertThat(ConstantSet.of(LongStream.rangeClosed(0, ConstantSet.MAX_SIZE).toArray()).isKnown()).isFalse();
        assertThat(ConstantSet.of(new long[0]).isKnown()).isFalse();
    }

    @Test
    void unionWidensToUnknownPastTheBoundOrWithUnknown() {
        ConstantSet low = ConstantSet.of(1, 2, 3, 4);
        assertThat(low.union(ConstantSet.of(4, 5))).isEqualTo(ConstantSet.of(1, 2, 3, 4, 5));
        assertThat(low.union(ConstantSet.of(5, 6, 7, 8, 9)).isKnown()).isFalse();
        assertThat(low.union(ConstantSet.unknown()).isKnown()).isFalse();
    }

    @Test
    void pairsWhoseOperationThrowsAreLeftOut() {
        ConstantSet divisors = ConstantSet.of(0, 2);
        assertThat(ConstantSet.of(8).combine(divisors, (a, b) -> a / b)).isEqualTo(ConstantSet.of(4));
        assertThat(ConstantSet.of(8).combine(ConstantSet.of(0), (a, b) -> a / b).isKnown()).isFalse();
        assertThat(ConstantSet.of(-1, 1).map(Math::abs)).isEqualTo(ConstantSet.of(1));
    }
}
