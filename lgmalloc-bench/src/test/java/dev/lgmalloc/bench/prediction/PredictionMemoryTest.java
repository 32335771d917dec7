package dev.lgmalloc.bench.prediction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lgmalloc.bench.prediction.ThreadHeapFootprint.Setup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory half of prediction on and off at small scale. Committed bytes are the allocator's own account and
 * do not depend on what else the machine runs, so they are asserted; RSS is only printed by the harness.
 */
class PredictionMemoryTest {

    @Test
    void anExactClassRemovesTheRoundingOfAPredictedSize() throws InterruptedException {
        ExactClassFootprint f = ExactClassFootprint.measure(1040, 20_000, true);
        assertEquals(1152, f.blockSizeOff());
        assertEquals(1040, f.blockSizeOn());
        assertEquals(4_000, f.blocks());
        assertTrue(f.committedOff() > 1.10, "1040 B in 1152 B blocks: " + f);
        assertTrue(f.committedOn() < 1.02, "1040 B in 1040 B blocks: " + f);
    }

    @Test
    void aSizeThatIsAlreadyAClassGainsNothing() throws InterruptedException {
        ExactClassFootprint f = ExactClassFootprint.measure(200, 20_000, true);
        assertEquals(208, f.blockSizeOff());
        assertEquals(208, f.blockSizeOn());
        assertEquals(f.committedOff(), f.committedOn(), 1e-9, f.toString());
    }

    @Test
    void provisioningOnlyPredictedClassesCommitsWhatTheThreadsUseAnyway() throws InterruptedException {
        double lazy = ThreadHeapFootprint.measure(Setup.DEFAULT, 16, 2, true).committedPerThread();
        double plan = ThreadHeapFootprint.measure(Setup.PLAN, 16, 2, true).committedPerThread();
        double sixteen = ThreadHeapFootprint.measure(Setup.SIXTEEN_CLASSES, 16, 2, true).committedPerThread();
        // One 64 KiB page for each of the two classes a thread uses; sixteen pages when sixteen are provisioned.
        assertEquals(2 * 65536, lazy);
        assertEquals(lazy, plan);
        assertEquals(16 * 65536, sixteen);
    }

    @Test
    void blockCountsHoldAtMostHalfAGibibyte() {
        assertEquals(1_000_000, PredictionMemory.blocksFor(200));
        assertEquals((512 << 20) / 1040, PredictionMemory.blocksFor(1040));
    }

    @Test
    void rejectsUnknownOptions() throws InterruptedException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PredictionMemory.run(List.of("--fast"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err));
        assertEquals(2, code);
        assertTrue(err.toString().contains("usage"));
    }
}
