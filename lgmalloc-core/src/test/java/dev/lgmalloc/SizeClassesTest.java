package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizeClassesTest {

    @Test
    void everySizeGetsTheSmallestClassThatHoldsIt() {
        SizeClasses classes = SizeClasses.standard();
        for (long size = 0; size <= SizeClasses.MAX_SMALL_SIZE; size++) {
            int c = classes.classOf(size);
            assertThat(classes.blockSize(c)).isGreaterThanOrEqualTo((int) size);
            if (c > 0) {
                assertThat(classes.blockSize(c - 1)).isLessThan((int) size);
            }
            assertThat(classes.blockSize(c) % 16).isZero();
        }
        assertThat(classes.classOf(SizeClasses.MAX_SMALL_SIZE + 1)).isEqualTo(-1);
        assertThat(classes.classOf(-1)).isEqualTo(-1);
    }

    @Test
    void wasteAbove128BytesIsAtMostOneEighth() {
        SizeClasses classes = SizeClasses.standard();
        for (long size = 129; size <= SizeClasses.MAX_SMALL_SIZE; size++) {
            long block = classes.blockSize(classes.classOf(size));
            assertThat((double) (block - size) / size).as("size %d", size).isLessThanOrEqualTo(0.125);
        }
    }

    @Test
    void exactSizesAddClassesRoundedToTheGranule() {
        SizeClasses classes = SizeClasses.withExactSizes(300, 300, 64, 1 << 20, 0);
        assertThat(classes.exactSizes()).containsExactly(304);
        assertThat(classes.count()).isEqualTo(SizeClasses.standard().count() + 1);
        int c = classes.classOf(300);
        assertThat(classes.blockSize(c)).isEqualTo(304);
        assertThat(classes.isExact(c)).isTrue();
        assertThat(classes.blockSize(classes.classOf(305))).isEqualTo(320);
        assertThat(SizeClasses.withExactSizes(64)).isSameAs(SizeClasses.standard());
        assertThatThrownBy(() -> SizeClasses.withExactSizes(-5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooManyExactClassesAreRefused() {
        long[] sizes = new long[300];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = 1000 + 16L * i;
        }
        assertThatThrownBy(() -> SizeClasses.withExactSizes(sizes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too many");
    }
}
