package dev.lgmalloc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FreeRunsTest {

    private static final int COUNT = 4096;

    @Test
    void binsGrowByAQuarterAndEachHoldsTheLengthsFromItsShortest() {
        for (int length = 1; length <= COUNT; length++) {
            int bin = FreeRuns.binOf(length);
            assertThat(FreeRuns.shortestIn(bin)).as("length %d", length).isLessThanOrEqualTo(length);
            assertThat(FreeRuns.shortestIn(bin + 1)).as("length %d", length).isGreaterThan(length);
        }
        assertThat(FreeRuns.binOf(COUNT)).isLessThan(64);      // one long says which bins hold runs
    }

    @Test
    void theHintTurnsAwayAPageWhoseFreeUnitsAreAllInShortRuns() {
        FreeRuns runs = new FreeRuns(COUNT);
        for (int first = 0; first < COUNT; first += 16) {
            assertThat(runs.take(16)).isEqualTo(first);
        }
        assertThat(runs.mayFit(1)).as("full").isFalse();
        for (int first = 0; first < COUNT; first += 32) {   // every other 16-unit block freed: half the units free
            runs.giveBack(first, 16, false, false);
        }
        assertThat(runs.mayFit(16)).isTrue();
        // Runs of 16 to 19 units share a bin, so the hint can say no from 20 units on
        assertThat(runs.mayFit(20)).as("%d units free, none in a run of 20", COUNT / 2).isFalse();
        assertThat(runs.take(20)).isEqualTo(-1);
    }

    @Test
    void aRequestIsServedWheneverARunIsLongEnoughAndNeverOverlapsALiveRange() {
        SplittableRandom random = new SplittableRandom(20261203L);
        FreeRuns runs = new FreeRuns(COUNT);
        long[] used = new long[COUNT / 64];
        List<int[]> live = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            int choice = random.nextInt(100);
            if (choice == 0) {
                runs.rebuild(used);                             // as the purge does: the same runs again
            } else if (choice == 1) {
                int first = Bitmap.nextClear(used, random.nextInt(COUNT), COUNT);    // as an aligned allocation
                int room = first < COUNT ? Bitmap.nextSet(used, first, COUNT) - first : 0;
                int units = Math.min(1 + random.nextInt(8), room);
                if (units > 0) {
                    runs.takeAt(Bitmap.previousSet(used, first) + 1, first, units);
                    Bitmap.setRange(used, first, units);
                    live.add(new int[] {first, units});
                }
            } else if (live.isEmpty() || choice < 52) {
                int units = random.nextInt(8) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(16);
                int longest = longestClearRun(used);
                if (units <= longest) {
                    assertThat(runs.mayFit(units)).as("the hint must let a page through that can serve %d units "
                            + "(longest %d)", units, longest).isTrue();
                }
                int first = runs.take(units);
                if (units > longest) {
                    assertThat(first).as("no run of %d units exists", units).isEqualTo(-1);
                    continue;
                }
                assertThat(first).as("a run of %d units exists (longest %d)", units, longest).isGreaterThanOrEqualTo(0);
                assertThat(Bitmap.anySet(used, first, units)).as("units %d+%d were free", first, units).isFalse();
                Bitmap.setRange(used, first, units);
                live.add(new int[] {first, units});
            } else {
                int[] block = live.remove(random.nextInt(live.size()));
                Bitmap.clearRange(used, block[0], block[1]);
                runs.giveBack(block[0], block[1], block[0] > 0 && !Bitmap.get(used, block[0] - 1),
                        block[0] + block[1] < COUNT && !Bitmap.get(used, block[0] + block[1]));
            }
            if (step % 1000 == 0) {
                assertThat(runs.longest()).as("step %d", step).isEqualTo(longestClearRun(used));
            }
        }
        while (!live.isEmpty()) {                               // everything freed merges back into one run
            int[] block = live.remove(live.size() - 1);
            Bitmap.clearRange(used, block[0], block[1]);
            runs.giveBack(block[0], block[1], block[0] > 0 && !Bitmap.get(used, block[0] - 1),
                    block[0] + block[1] < COUNT && !Bitmap.get(used, block[0] + block[1]));
        }
        assertThat(runs.take(COUNT)).isZero();
        assertThat(runs.take(COUNT + 1)).isEqualTo(-1);
    }

    @Test
    void aRangeTakenInsideARunLeavesItsTwoEndsAndARebuildFindsWhatTheBitmapHolds() {
        FreeRuns runs = new FreeRuns(COUNT);
        long[] used = new long[COUNT / 64];
        runs.takeAt(0, 1000, 96);                               // as an aligned allocation does
        Bitmap.setRange(used, 1000, 96);
        assertThat(runs.longest()).isEqualTo(COUNT - 1096);
        assertThat(runs.take(2000)).as("from the run after it").isEqualTo(1096);
        Bitmap.setRange(used, 1096, 2000);
        int one = runs.take(1000);
        int other = runs.take(1000);
        assertThat(one).as("a run of the request's own bin that fits").isIn(0, 3096);
        assertThat(other).isIn(0, 3096).isNotEqualTo(one);
        assertThat(runs.take(1)).isEqualTo(-1);
        Bitmap.setRange(used, 0, 1000);
        Bitmap.setRange(used, 3096, 1000);
        runs.giveBack(0, 1000, false, false);
        Bitmap.clearRange(used, 0, 1000);
        runs.giveBack(2000, 500, false, false);                 // as if a block 2000..2499 were freed
        Bitmap.clearRange(used, 2000, 500);
        Bitmap.setRange(used, 100, 64);                         // as a purge marks a run
        runs.rebuild(used);
        assertThat(runs.longest()).isEqualTo(836);              // 164..999
        assertThat(runs.take(837)).isEqualTo(-1);
        assertThat(runs.take(500)).as("from a bin all of whose runs fit").isEqualTo(164);
        assertThat(runs.take(500)).as("else from its own bin").isEqualTo(2000);
        assertThat(runs.take(336)).isEqualTo(664);
        assertThat(runs.take(100)).isEqualTo(0);
        assertThat(runs.take(1)).isEqualTo(-1);
    }

    @Test
    void ofTheRunsOfABinTheLowestInThePageIsTakenNotTheLastFreed() {
        FreeRuns runs = new FreeRuns(COUNT);
        for (int i = 0; i < 10; i++) {
            assertThat(runs.take(8)).isEqualTo(8 * i);         // ten blocks of 8 units, then the rest free
        }
        runs.giveBack(16, 8, false, false);                     // freed first, low
        runs.giveBack(56, 8, false, false);                     // freed last, high
        assertThat(runs.take(8)).isEqualTo(16);
        assertThat(runs.take(8)).isEqualTo(56);
    }

    @Test
    void anIndexIsOfWholeWordsOfUnits() {
        for (int count : new int[] {0, 100, 32768}) {
            assertThatThrownBy(() -> new FreeRuns(count))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Integer.toString(count));
        }
        FreeRuns runs = new FreeRuns(64);
        assertThat(runs.take(64)).isZero();
        runs.giveBack(0, 64, false, false);
        assertThat(runs.longest()).isEqualTo(64);
    }

    @Test
    void bitmapSearchesCrossWordsAndStopAtTheEnds() {
        long[] bits = new long[4];
        assertThat(Bitmap.nextSet(bits, 0, 256)).isEqualTo(256);
        assertThat(Bitmap.previousSet(bits, 255)).isEqualTo(-1);
        Bitmap.set(bits, 0);
        Bitmap.set(bits, 63);
        Bitmap.set(bits, 64);
        Bitmap.set(bits, 200);
        assertThat(Bitmap.nextSet(bits, 1, 256)).isEqualTo(63);
        assertThat(Bitmap.nextSet(bits, 65, 256)).isEqualTo(200);
        assertThat(Bitmap.nextSet(bits, 65, 150)).isEqualTo(150);
        assertThat(Bitmap.nextClear(bits, 63, 256)).isEqualTo(65);
        assertThat(Bitmap.previousSet(bits, 199)).isEqualTo(64);
        assertThat(Bitmap.previousSet(bits, 63)).isEqualTo(63);
        assertThat(Bitmap.previousSet(bits, 62)).isEqualTo(0);
        Bitmap.setRange(bits, 64, 192);
        assertThat(Bitmap.nextClear(bits, 64, 256)).isEqualTo(256);
    }

    private static int longestClearRun(long[] used) {
        int longest = 0;
        int run = 0;
        for (int u = 0; u < COUNT; u++) {
            run = Bitmap.get(used, u) ? 0 : run + 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}
