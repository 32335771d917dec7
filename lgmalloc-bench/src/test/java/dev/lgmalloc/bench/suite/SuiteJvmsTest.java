package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuiteJvmsTest {

    @Test
    void eachMeasuringJvmRunsTheWorkloadAndTheReportSaysHowMany(@TempDir Path out) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int status = SuiteMain.run(List.of("--quick", "--allocators", "lgmalloc", "--workloads", "glibc-simple",
                "--jvms", "2", "--out", out.toString()),
                new PrintStream(progress, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, status, progress.toString(StandardCharsets.UTF_8));
        String json = Files.readString(out.resolve("results.json"));
        assertEquals(2, json.split("\"repetition\": 1,").length - 1, "one first run per JVM: " + json);
        assertTrue(json.contains("\"jvms\": 2"), json);
        String report = Files.readString(out.resolve("results.md"));
        assertTrue(report.contains("in each of 2 measuring JVM(s)"), report);
    }

    @Test
    void eachWorkloadsAllocatorsRunBackToBackWithTheFirstTurning() {
        SuiteOptions options = new SuiteOptions(List.of("larson", "rptest"), List.of("a", "b", "c"), 2, false, 3, 2,
                Path.of("out"), false);
        List<String> order = SuiteMain.schedule(options, List.of("a", "b", "c")).stream()
                .map(run -> run.allocator() + ":" + String.join(",", run.workloads())).toList();
        assertEquals(List.of(
                "a:larson", "b:larson", "c:larson", "b:rptest", "c:rptest", "a:rptest",
                "b:larson", "c:larson", "a:larson", "c:rptest", "a:rptest", "b:rptest"), order);
    }

    @Test
    void theQuickFormRunsEachAllocatorsWorkloadsInOneJvm() {
        SuiteOptions options = new SuiteOptions(List.of("larson", "rptest"), List.of("a", "b"), 2, true, 3, 1,
                Path.of("out"), false);
        List<String> order = SuiteMain.schedule(options, List.of("a", "b")).stream()
                .map(run -> run.allocator() + ":" + String.join(",", run.workloads())).toList();
        assertEquals(List.of("a:larson,rptest", "b:larson,rptest"), order);
    }
}
