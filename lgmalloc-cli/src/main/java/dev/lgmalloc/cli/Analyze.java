package dev.lgmalloc.cli;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.analysis.ReportWriter;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import dev.lgmalloc.elf.ElfAnalyzer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code lgmalloc analyze}: finds the allocation sites of a program and prints them with their predicted sizes,
 * confidence and the per-class plan. An ELF file (recognised by its magic) is analysed as an x86-64 binary;
 * anything else (JARs, class directories, class files) as a JVM classpath.
 */
final class Analyze {

    enum Format { TEXT, JSON, JSON_LINES, CSV }

    record Options(List<Path> inputs, Format format, double threshold) {

        static Options parse(List<String> args) {
            Format format = Format.TEXT;
            double threshold = PlanBuilder.DEFAULT_THRESHOLD;
            List<Path> inputs = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--json", "--json-lines", "--csv" -> {
                        Format asked = switch (a) {
                            case "--json" -> Format.JSON;
                            case "--json-lines" -> Format.JSON_LINES;
                            default -> Format.CSV;
                        };
                        if (format != Format.TEXT && format != asked) {
                            throw new Main.UsageException("analyze: --json, --json-lines and --csv exclude each other");
                        }
                        format = asked;
                    }
                    case "--threshold" -> {
                        if (i + 1 == args.size()) {
                            throw new Main.UsageException("analyze: --threshold needs a value in (0, 1]");
                        }
                        threshold = parseThreshold(args.get(++i));
                    }
                    default -> {
                        if (a.startsWith("--")) {
                            throw new Main.UsageException("analyze: unknown option '" + a
                                    + "' (options: --json, --json-lines, --csv, --threshold X)");
                        }
                        inputs.add(Path.of(a));
                    }
                }
            }
            if (inputs.isEmpty()) {
                throw new Main.UsageException("analyze: give an ELF binary, or JARs, class directories or class files");
            }
            return new Options(inputs, format, threshold);
        }

        private static double parseThreshold(String value) {
            try {
                double t = Double.parseDouble(value);
                if (t > 0 && t <= 1) {
                    return t;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new Main.UsageException("analyze: --threshold must be a number in (0, 1], not '" + value + "'");
        }
    }

    private Analyze() {
    }

    static int run(Options options, PrintStream out) throws AnalysisException {
        for (Path p : options.inputs()) {
            if (!Files.exists(p)) {
                throw new Main.UsageException("analyze: no such file or directory: " + p);
            }
        }
        Path first = options.inputs().getFirst();
        AnalysisResult result;
        if (ElfAnalyzer.isElf(first)) {
            if (options.inputs().size() > 1) {
                throw new Main.UsageException("analyze: give one ELF binary at a time");
            }
            result = ElfAnalyzer.analyze(first, options.threshold());
        } else {
            result = JvmAnalyzer.analyze(options.inputs(), options.threshold());
        }
        switch (options.format()) {
            case TEXT -> ReportWriter.text(result, out);
            case JSON -> ReportWriter.json(result, out);
            case JSON_LINES -> ReportWriter.jsonLines(result, out);
            case CSV -> ReportWriter.csv(result, out);
        }
        out.flush();
        return 0;
    }
}
