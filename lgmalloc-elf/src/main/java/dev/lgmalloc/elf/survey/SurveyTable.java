package dev.lgmalloc.elf.survey;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.elf.ElfAnalyzer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints the Markdown table of docs/ELF-ANALYSIS.md: for each binary given, the sites found, how many have
 * known sizes, how many are reached through wrappers, the wrappers, and the analysis time. Each binary is
 * analysed {@code --runs} times in this JVM; the table shows the first (cold) and the fastest run.
 *
 * <p>Usage: {@code SurveyTable [--runs N] BINARY...}
 */
public final class SurveyTable {

    private SurveyTable() {
    }

    public static void main(String[] args) throws IOException {
        int runs = 3;
        List<Path> binaries = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runs") && i + 1 < args.length) {
                runs = Math.max(1, Integer.parseInt(args[++i]));
            } else {
                binaries.add(Path.of(args[i]));
            }
        }
        if (binaries.isEmpty()) {
            System.err.println("usage: SurveyTable [--runs N] BINARY...");
            System.exit(2);
        }
        System.out.println("| binary | size | instructions | functions | sites | known size | through wrappers"
                + " | known size through wrappers | wrappers | wrappers with a disagreeing path | time, first run"
                + " | time, best of " + runs + " |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Path binary : binaries) {
            System.out.println(row(binary, runs));
        }
    }

    private static String row(Path binary, int runs) throws IOException {
        String size = String.format(Locale.ROOT, "%.1f MB", Files.size(binary) / 1e6);
        ElfAnalyzer.Analysis first = null;
        long best = Long.MAX_VALUE;
        try {
            for (int r = 0; r < runs; r++) {
                ElfAnalyzer.Analysis a = ElfAnalyzer.analyzeWithStatistics(binary, PlanBuilder.DEFAULT_THRESHOLD);
                first = first == null ? a : first;
                best = Math.min(best, a.nanos());
            }
        } catch (AnalysisException e) {
            return "| " + binary + " | " + size + " | not analysed: " + e.getMessage() + " |";
        }
        List<AllocationSite> sites = first.result().sites();
        long known = sites.stream().filter(s -> s.sizes().isKnown()).count();
        long wrapped = sites.stream().filter(s -> !s.wrapperChain().isEmpty()).count();
        long knownWrapped = sites.stream().filter(s -> !s.wrapperChain().isEmpty() && s.sizes().isKnown()).count();
        return String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.2f s | %.2f s |",
                binary, size, first.instructions(), first.functions(), sites.size(), known, wrapped, knownWrapped,
                first.wrappers(), first.wrappersWithFallback(), first.nanos() / 1e9, best / 1e9);
    }
}
