package dev.lgmalloc.bench.workload;

import java.util.Collection;

/**
 * What the ledgers of all threads add up to once a workload has freed everything: it passed when every block was
 * freed exactly once (counts, bytes and token sums match) and no block was found corrupted.
 *
 * @param blocks       blocks allocated (a realloc counts as a new block)
 * @param bytes        bytes requested in total
 * @param problems     corrupted blocks, failed allocations and mismatches found
 * @param firstProblem the first problem found, or null
 */
public record Verification(long blocks, long bytes, long problems, String firstProblem) {

    /** Adds up the ledgers and checks that everything allocated was freed, intact. */
    public static Verification of(Collection<Ledger> ledgers, String failure) {
        long allocated = 0;
        long freed = 0;
        long allocatedBytes = 0;
        long freedBytes = 0;
        long allocatedTokens = 0;
        long freedTokens = 0;
        long problems = 0;
        String first = failure;
        for (Ledger ledger : ledgers) {
            allocated += ledger.allocatedBlocks;
            freed += ledger.freedBlocks;
            allocatedBytes += ledger.allocatedBytes();
            freedBytes += ledger.freedBytes();
            allocatedTokens += ledger.allocatedTokens;
            freedTokens += ledger.freedTokens;
            problems += ledger.corruptBlocks;
            if (first == null) {
                first = ledger.firstProblem;
            }
        }
        if (failure != null) {
            problems++;
        }
        if (allocated != freed || allocatedBytes != freedBytes || allocatedTokens != freedTokens) {
            problems++;
            if (first == null) {
                first = "allocated " + allocated + " blocks (" + allocatedBytes + " B) but freed " + freed
                        + " (" + freedBytes + " B)" + (allocatedTokens != freedTokens ? ", token sums differ" : "");
            }
        }
        if (allocated == 0) {
            problems++;
            if (first == null) {
                first = "no block was allocated";
            }
        }
        return new Verification(allocated, allocatedBytes, problems, first);
    }

    public boolean passed() {
        return problems == 0;
    }

    /** One line for the report. */
    public String summary() {
        return passed() ? "ok: " + blocks + " blocks freed once, contents intact"
                : "FAILED: " + problems + " problem(s); first: " + firstProblem;
    }
}
