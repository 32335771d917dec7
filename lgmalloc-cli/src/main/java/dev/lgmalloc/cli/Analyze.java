package dev.lgmalloc.cli;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.ReportWriter;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import dev.lgmalloc.analysis.jvm.World;
import dev.lgmalloc.commandline.BadInputException;
import dev.lgmalloc.commandline.UsageException;
import dev.lgmalloc.elf.ElfAnalyzer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lgmalloc analyze}: finds the allocation sites of a program and prints them with their file, predicted
 * sizes, confidence, whether they are routed (and why not) and the per-class plan. An ELF file (recognised by its
 * magic) is analysed as an x86-64 binary; anything else (JARs, class directories, class files) as a JVM classpath.
 */
@Command(name = "analyze", sortOptions = false,
        description = {"Find the allocation sites of an x86-64 ELF binary, or of JARs, class directories or class"
                + " files; print each site's file (a JAR's entry too), predicted sizes, confidence, whether it is"
                + " routed (and why not), then the size-class plan."})
final class Analyze implements Callable<Integer> {

    enum Format { TEXT, JSON, JSON_LINES, CSV }

    @Option(names = "--json", description = "one JSON object, indented")
    boolean json;

    @Option(names = "--json-lines", description = "JSON Lines: one object per site per line, then a summary line")
    boolean jsonLines;

    @Option(names = "--csv", description = "one CSV row per site")
    boolean csv;

    @Option(names = "--threshold", paramLabel = "X",
            description = "the confidence a site needs to be routed, in (0, 1] (default: ${DEFAULT-VALUE})")
    String threshold = Double.toString(PlanBuilder.DEFAULT_THRESHOLD);

    @Option(names = "--closed-world", description = {"the inputs are a whole program (an application with all its"
            + " libraries, as the agent sees it): public methods take their callers' arguments. Without it, code"
            + " elsewhere may call them with anything, as it may a library's"})
    boolean closedWorld;

    @Parameters(paramLabel = "FILE", arity = "0..*",
            description = "an ELF binary, or JARs, class directories and class files (a JVM class path), or a JDK's"
                    + " runtime image: jrt:/java.base (a module of this JDK), a JDK home or its lib/modules")
    List<Path> inputs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Format format = format();
        double routingThreshold = threshold(threshold);
        if (inputs.isEmpty()) {
            throw new UsageException("give an ELF binary, or JARs, class directories or class files");
        }
        for (Path p : inputs) {
            if (!Files.exists(p) && !p.endsWith("*") && !p.toString().startsWith("jrt:")) {
                throw new UsageException("no such file or directory: " + p);
            }
        }
        AnalysisResult result;
        try {
            result = analyse(routingThreshold);
        } catch (AnalysisException e) {
            // Not a usage mistake: the command was right, an input is not what it should be.
            throw new BadInputException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case TEXT -> ReportWriter.text(result, out);
            case JSON -> ReportWriter.json(result, out);
            case JSON_LINES -> ReportWriter.jsonLines(result, out);
            case CSV -> ReportWriter.csv(result, out);
        }
        out.flush();
        return 0;
    }

    private AnalysisResult analyse(double routingThreshold) throws AnalysisException {
        Path first = inputs.getFirst();
        if (ElfAnalyzer.isElf(first)) {
            if (inputs.size() > 1) {
                throw new UsageException("give one ELF binary at a time");
            }
            return ElfAnalyzer.analyze(first, routingThreshold);
        }
        return JvmAnalyzer.analyze(inputs, routingThreshold, closedWorld ? World.CLOSED : World.OPEN);
    }

    private Format format() {
        int given = (json ? 1 : 0) + (jsonLines ? 1 : 0) + (csv ? 1 : 0);
        if (given > 1) {
            throw new UsageException("--json, --json-lines and --csv exclude each other");
        }
        return json ? Format.JSON : jsonLines ? Format.JSON_LINES : csv ? Format.CSV : Format.TEXT;
    }

    private static double threshold(String value) {
        return PlanBuilder.parseThreshold(value)
                .orElseThrow(() -> UsageException.badValue("--threshold", "a number in (0, 1]", value));
    }
}
