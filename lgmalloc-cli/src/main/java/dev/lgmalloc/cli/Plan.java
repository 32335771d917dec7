package dev.lgmalloc.cli;

import dev.lgmalloc.agent.ApplicationClassPath;
import dev.lgmalloc.agent.PlanFile;
import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.commandline.BadInputException;
import dev.lgmalloc.commandline.UsageException;
import java.io.File;
import java.io.IOException;
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
 * {@code lgmalloc plan}: analyses an application's class path ahead of time and writes the plan the agent takes
 * with {@code plan=FILE}, so that its first start is routed from the first allocation (see {@link PlanFile}).
 */
@Command(name = "plan", sortOptions = false,
        description = {"Analyse an application's class path ahead of time and write the plan the agent applies"
                + " before main with -javaagent:lgmalloc-agent.jar=plan=FILE: the first start is routed from its"
                + " first allocation. The plan holds only for the class path it was written for, byte for byte."})
final class Plan implements Callable<Integer> {

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "where the plan goes (default: ${DEFAULT-VALUE})")
    Path out = Path.of("lgmalloc.plan");

    @Option(names = {"-cp", "--class-path", "--classpath"}, paramLabel = "CP",
            description = "class path entries separated by the path separator (':' here), as java's -cp takes them")
    List<String> classPaths = new ArrayList<>();

    @Parameters(paramLabel = "ENTRY", arity = "0..*", description = "more class path entries: JARs or class directories")
    List<String> entries = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<String> all = new ArrayList<>(classPaths);
        all.addAll(entries);
        if (all.isEmpty()) {
            throw new UsageException("give the application's class path (JARs or class directories, as java's -cp "
                    + "takes it)");
        }
        String classPath = String.join(File.pathSeparator, all);
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank() && !entry.endsWith("*") && !Files.exists(Path.of(entry))) {
                throw new UsageException("no such file or directory: " + entry);
            }
        }
        PlanFile.Written written;
        try {
            written = PlanFile.write(ApplicationClassPath.of(classPath), out);
        } catch (AnalysisException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf("lgmalloc: wrote %s: %d allocation sites in %d class path file(s), analysed in %d ms%n", out,
                written.sites(), written.classPathFiles(), written.analysisMillis());
        w.printf("run with: java -javaagent:lgmalloc-agent.jar=plan=%s -cp %s ...%n", out, classPath);
        w.flush();
        return 0;
    }
}
