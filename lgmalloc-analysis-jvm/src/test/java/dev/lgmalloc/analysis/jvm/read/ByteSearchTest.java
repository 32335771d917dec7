package dev.lgmalloc.analysis.jvm.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pre-filter's byte search, checked against a reference implementation on random bytes and at the edges. */
class ByteSearchTest {

    private static int naive(byte[] h, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= h.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (h[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void agreesWithTheNaiveSearchOnRandomBytes() {
        Random r = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            // A tiny alphabet makes matches and near-matches (repeated bytes, as in "lloc") common.
            byte[] h = new byte[r.nextInt(40)];
            byte[] n = new byte[1 + r.nextInt(5)];
            for (int i = 0; i < h.length; i++) {
                h[i] = (byte) ("lloc\u00ff".charAt(r.nextInt(5)));
            }
            for (int i = 0; i < n.length; i++) {
                n[i] = (byte) ("lloc\u00ff".charAt(r.nextInt(5)));
            }
            assertThat(ApiReferenceFilter.indexOf(h, n)).as("round %d", round).isEqualTo(naive(h, n));
        }
        assertThat(ApiReferenceFilter.indexOf(new byte[3], new byte[0])).isZero();
    }
}
