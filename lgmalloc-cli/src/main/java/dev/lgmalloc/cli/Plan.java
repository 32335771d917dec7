package dev.lgmalloc.cli;

import dev.lgmalloc.agent.ApplicationClassPath;
import dev.lgmalloc.agent.PlanFile;
import dev.lgmalloc.analysis.AnalysisException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code lgmalloc plan}: analyses an application's class path ahead of time and writes the plan the agent takes
 * with {@code plan=FILE}, so that its first start is routed from the first allocation (see {@link PlanFile}).
 */
final class Plan {

    /** Where the plan goes when no {@code --out} is given. */
    static final Path DEFAULT_OUT = Path.of("lgmalloc.plan");

    record Options(String classPath, Path out) {

        static Options parse(List<String> args) {
            Path out = DEFAULT_OUT;
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--out", "-o", "--class-path", "-cp", "--classpath" -> {
                        if (i + 1 == args.size()) {
                            throw new Main.UsageException("plan: " + a + " needs a value");
                        }
                        String value = args.get(++i);
                        if (a.equals("--out") || a.equals("-o")) {
                            out = Path.of(value);
                        } else {
                            entries.add(value);
                        }
                    }
                    default -> {
                        if (a.startsWith("-")) {
                            throw new Main.UsageException("plan: unknown option '" + a
                                    + "' (options: --class-path CP, --out FILE)");
                        }
                        entries.add(a);
                    }
                }
            }
            if (entries.isEmpty()) {
                throw new Main.UsageException("plan: give the application's class path (JARs or class directories, "
                        + "as java's -cp takes it)");
            }
            return new Options(String.join(java.io.File.pathSeparator, entries), out);
        }
    }

    private Plan() {
    }

    static int run(Options options, PrintStream out) throws AnalysisException, IOException {
        for (String entry : options.classPath().split(java.io.File.pathSeparator)) {
            if (!entry.isBlank() && !entry.endsWith("*") && !Files.exists(Path.of(entry))) {
                throw new Main.UsageException("plan: no such file or directory: " + entry);
            }
        }
        ApplicationClassPath cp = ApplicationClassPath.of(options.classPath());
        PlanFile.Written written = PlanFile.write(cp, options.out());
        out.printf("lgmalloc: wrote %s: %d allocation sites in %d class path file(s), analysed in %d ms%n",
                options.out(), written.sites(), written.classPathFiles(), written.analysisMillis());
        out.printf("run with: java -javaagent:lgmalloc-agent.jar=plan=%s -cp %s ...%n", options.out(),
                options.classPath());
        return 0;
    }
}
