package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcessPeakCellTest {

    private static final long MIB = 1024 * 1024;

    private static Optional<Summary> firstRun(String allocator, long baselineRss, long peakRss) {
        return Optional.of(Summary.of(List.of(new Measurement("larson", allocator, 1, 1.0, 1, true, "ok",
                baselineRss, peakRss, 0, 0, 1, Map.of()))));
    }

    @Test
    void comparesWholePeaksNotWhatEachWorkloadAdded() {
        // lgmalloc's JVM: started at 2,147 MiB, added 11 MiB. A peer that held 5 MiB more from its start adds only
        // 9 MiB, yet its process peaks 3 MiB higher: the cell says +3.0, where the added figures say 9 against 11.
        Optional<Summary> lgmalloc = firstRun("lgmalloc", 2147 * MIB, 2158 * MIB);
        Optional<Summary> peer = firstRun("tcmalloc-critical", 2152 * MIB, 2161 * MIB);
        assertEquals("+3.0", MarkdownReport.processPeakCell(peer, lgmalloc));
        assertEquals("-3.0", MarkdownReport.processPeakCell(lgmalloc, peer));
        assertEquals("+0.0", MarkdownReport.processPeakCell(lgmalloc, lgmalloc));
    }

    @Test
    void aMissingRunLeavesTheCellEmpty() {
        Optional<Summary> lgmalloc = firstRun("lgmalloc", 0, 10 * MIB);
        assertEquals("—", MarkdownReport.processPeakCell(Optional.empty(), lgmalloc));
        assertEquals("—", MarkdownReport.processPeakCell(lgmalloc, Optional.empty()));
    }
}
