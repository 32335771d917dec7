package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workloads;
import dev.lgmalloc.commandline.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteOptionsTest {

    @Test
    void defaultsRunEveryWorkloadAndEveryDefaultAllocator() {
        SuiteOptions options = SuiteCommand.parse(List.of());
        assertEquals(Workloads.names(), options.workloads());
        assertEquals(Peers.defaultNames(), options.allocators());
        assertFalse(options.allocators().contains("arena-shared"));
        assertEquals(Runtime.getRuntime().availableProcessors(), options.threads());
        assertEquals(4, options.repetitions());
        assertEquals(1, options.jvms());
        assertFalse(options.quick());
        assertEquals(Path.of("target/bench-results"), options.out());
    }

    @Test
    void namesAreCheckedAndKeptInTableOrder() {
        SuiteOptions options = SuiteCommand.parse(List.of("--workloads", "rptest,larson", "--allocators",
                "jemalloc,lgmalloc", "--threads", "3", "--quick", "--out", "x"));
        assertEquals(List.of("larson", "rptest"), options.workloads());
        assertEquals(List.of("lgmalloc", "jemalloc"), options.allocators());
        assertEquals(3, options.threads());
        assertEquals(1, options.repetitions());
        assertTrue(SuiteCommand.parse(List.of("--allocators", "all")).allocators().contains("arena-shared"));
    }

    @Test
    void badOptionsSayWhatIsWrongAndListTheValidChoices() {
        String unknownWorkload = assertThrows(UsageException.class,
                () -> SuiteCommand.parse(List.of("--workloads", "larson,nope"))).getMessage();
        assertTrue(unknownWorkload.contains("unknown workload 'nope'") && unknownWorkload.contains("sh8bench"),
                unknownWorkload);
        String unknownAllocator = assertThrows(UsageException.class,
                () -> SuiteCommand.parse(List.of("--allocators", "hoard"))).getMessage();
        assertTrue(unknownAllocator.contains("unknown allocator 'hoard'") && unknownAllocator.contains("tcmalloc"),
                unknownAllocator);
        assertThrows(UsageException.class, () -> SuiteCommand.parse(List.of("--threads", "0")));
        assertThrows(UsageException.class, () -> SuiteCommand.parse(List.of("--threads", "two")));
        assertThrows(UsageException.class, () -> SuiteCommand.parse(List.of("--repetitions", "51")));
        assertThrows(UsageException.class, () -> SuiteCommand.parse(List.of("--jvms", "0")));
        assertThrows(UsageException.class, () -> SuiteCommand.parse(List.of("--jvms", "11")));
        assertEquals(3, SuiteCommand.parse(List.of("--jvms", "3")).jvms());
        assertEquals("lgmalloc bench: --threads needs a value", errorOf("--threads"));
        assertEquals("lgmalloc bench: unknown option '--fast' (options: --workloads, --allocators, --threads, --quick,"
                + " --repetitions, --jvms, --out, --jmh, --help, --debug)", errorOf("--fast"));
    }

    /** The first line SuiteMain prints for {@code args}, which must be a usage mistake. */
    private static String errorOf(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, SuiteMain.run(List.of(args), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
    }

    @Test
    void runPrintsOneLineAndTheUsageAndExitsWith2OnBadOptions() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SuiteMain.run(List.of("--threads", "-4"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("lgmalloc bench: --threads must be a whole number from 1 to 256, not '-4'", lines[0]);
        assertTrue(lines[1].startsWith("usage: lgmalloc bench"), lines[1]);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, SuiteMain.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--workloads"));
    }
}
