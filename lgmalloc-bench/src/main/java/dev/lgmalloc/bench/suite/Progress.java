package dev.lgmalloc.bench.suite;

import java.io.PrintWriter;
import java.util.Locale;

/** One line per run as results arrive: how far the suite is, and what the run measured. */
final class Progress {

    private final PrintWriter out;
    private final int total;
    private int done;
    private final long start = System.nanoTime();

    Progress(PrintWriter out, int total) {
        this.out = out;
        this.total = total;
    }

    synchronized void starting(String allocator, String workloads) {
        out.printf(Locale.ROOT, "-- %s: %s%n", allocator, workloads);
        out.flush();
    }

    synchronized void measured(Measurement m) {
        done++;
        out.printf(Locale.ROOT, "[%d/%d %s] %-22s %-15s run %d: %8.3f s  peak RSS +%7.1f MiB  %s%n", done, total,
                elapsed(), m.allocator(), m.workload(), m.repetition(), m.seconds(),
                m.peakRssDelta() / 1048576.0, m.verified() ? "verified" : m.verification());
        out.flush();
    }

    synchronized void skipped(String allocator, String workload, String reason) {
        out.printf(Locale.ROOT, "[%s] %-22s %-15s skipped: %s%n", elapsed(), allocator, workload, reason);
        out.flush();
    }

    synchronized void failed(String allocator, String workload, String why) {
        out.printf(Locale.ROOT, "[%s] %-22s %-15s FAILED: %s%n", elapsed(), allocator, workload, why);
        out.flush();
    }

    private String elapsed() {
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
