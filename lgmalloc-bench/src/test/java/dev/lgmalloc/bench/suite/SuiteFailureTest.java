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

/** A library that is installed but does not load is a failure of the run, reported, not a silent skip. */
class SuiteFailureTest {

    @Test
    void anUnloadableLibraryFailsTheRunWithItsReason(@TempDir Path out) throws Exception {
        Path notALibrary = Files.writeString(out.resolve("libmimalloc.so.2"), "not an ELF file");
        System.setProperty("lgmalloc.bench.lib.mimalloc", notALibrary.toString());
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = SuiteMain.run(List.of("--quick", "--allocators", "lgmalloc,mimalloc", "--workloads",
                    "glibc-simple", "--out", out.resolve("results").toString()),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, status, err.toString(StandardCharsets.UTF_8));
            String report = Files.readString(out.resolve("results").resolve("results.md"));
            assertTrue(report.contains("mimalloc / *: cannot start: cannot load " + notALibrary), report);
            assertTrue(report.contains("| glibc-simple | 1.00 ("), "lgmalloc still ran: " + report);
        } finally {
            System.clearProperty("lgmalloc.bench.lib.mimalloc");
        }
    }
}
