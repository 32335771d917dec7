package dev.lgmalloc.elf;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.elf.format.EhFrame;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.ElfFormatException;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.format.Symbol;
import dev.lgmalloc.elf.format.SymbolTables;
import dev.lgmalloc.elf.isa.InstructionSet;
import dev.lgmalloc.elf.isa.InstructionSets;
import dev.lgmalloc.elf.program.CallResolver;
import dev.lgmalloc.elf.program.Functions;
import dev.lgmalloc.elf.sites.SiteFinder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Static allocation-site analysis of ELF executables and shared objects (x86-64; the instruction sets are in
 * {@code dev.lgmalloc.elf.isa}).
 *
 * <p>Finds every call (and tail call) of a runtime allocator — malloc, calloc, realloc, reallocarray,
 * aligned_alloc, memalign, posix_memalign, valloc, pvalloc and all C++ {@code operator new}/{@code new[]}
 * variants, imported or defined in the binary — and of the wrappers around them that the analysis detects,
 * predicts the sizes each site requests, and builds the allocation plan with {@link PlanBuilder}. Addresses are
 * ELF virtual addresses (for a PIE or shared object, add the load bias to get run-time addresses).
 *
 * <p>Typical use: {@code ReportWriter.text(ElfAnalyzer.analyze(path, PlanBuilder.DEFAULT_THRESHOLD), System.out)}.
 */
public final class ElfAnalyzer {

    private ElfAnalyzer() {
    }

    /**
     * Analyses one ELF file.
     *
     * @param file      the executable or shared object
     * @param threshold the confidence a site needs to be routed, in (0, 1]
     * @return the sites, warnings for parts that could not be read, and the plan
     * @throws AnalysisException when the file cannot be read, is not ELF, not ELF64 little-endian, of an instruction
     *                           set the analyser does not read, not an
     *                           executable or shared object, or its headers are malformed beyond use
     * @throws IllegalArgumentException when the threshold is outside (0, 1]
     */
    public static AnalysisResult analyze(Path file, double threshold) throws AnalysisException {
        return analyzeWithStatistics(file, threshold).result();
    }

    /**
     * An analysis result with counts of what the analyser did, for benchmarks and reports.
     * {@code wrappersWithFallback} counts the wrappers whose fallback path requests another size.
     */
    public record Analysis(AnalysisResult result, long instructions, long undecodableBytes, int functions,
                          long wrappers, long wrappersWithFallback, long nanos) {
    }

    /** Like {@link #analyze(Path, double)}, with statistics. */
    public static Analysis analyzeWithStatistics(Path file, double threshold) throws AnalysisException {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("routing threshold must be in (0, 1]: " + threshold);
        }
        long started = System.nanoTime();
        ElfFile elf;
        InstructionSet isa;
        try {
            elf = ElfFile.open(file);
            isa = InstructionSets.forMachine(elf.machine());
        } catch (IOException e) {
            throw new AnalysisException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ElfFormatException e) {
            throw new AnalysisException(file + ": " + e.getMessage(), e);
        }
        try {
            return analyzeFile(file.toString(), elf, isa, threshold, started);
        } catch (IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException
                 | NegativeArraySizeException e) {
            // Every read is range-checked; reaching here means a check is missing. Say so rather than crash.
            throw new AnalysisException(file + ": malformed ELF, a consistency check failed: " + e, e);
        }
    }

    private static Analysis analyzeFile(String input, ElfFile elf, InstructionSet isa, double threshold,
                                        long started) {
        List<Symbol> symbols = new ArrayList<>();
        for (Section s : elf.sections()) {
            if (s.type() == Section.SHT_SYMTAB || s.type() == Section.SHT_DYNSYM) {
                symbols.addAll(SymbolTables.read(elf, s));
            }
        }
        Functions functions = Functions.build(elf, symbols, EhFrame.functionRanges(elf));
        CallResolver resolver = new CallResolver(elf, isa, functions);
        SiteFinder finder = new SiteFinder(elf, isa, functions, resolver);
        List<AllocationSite> sites = finder.find();
        List<String> warnings = new ArrayList<>(elf.warnings());
        warnings.addAll(finder.warnings());
        if (functions.count() == 0) {
            warnings.add("no code sections found: no sites");
        }
        AnalysisResult result = new AnalysisResult(input, describeFormat(elf, isa), sites, warnings,
                PlanBuilder.build(sites, threshold));
        return new Analysis(result, finder.instructionCount(), finder.undecodableBytes(), functions.count(),
                finder.wrapperCount(), finder.wrappersWithFallbackCount(), System.nanoTime() - started);
    }

    private static String describeFormat(ElfFile elf, InstructionSet isa) {
        String elfIsa = "ELF " + isa.name();
        if (elf.type() == ElfFile.ET_EXEC) {
            return elfIsa + (elf.hasInterpreter() ? " executable" : " static executable");
        }
        return elfIsa + (elf.isPie() ? " PIE executable" : " shared object");
    }

    /** Whether the file starts with the ELF magic bytes (so an analysis should go to this analyser). */
    public static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return ElfFile.hasMagic(in.readNBytes(4));
        } catch (IOException e) {
            return false;
        }
    }
}
