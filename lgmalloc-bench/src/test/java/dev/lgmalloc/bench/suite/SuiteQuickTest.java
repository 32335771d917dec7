package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lgmalloc.bench.peer.Peers;
import dev.lgmalloc.bench.workload.Workload;
import dev.lgmalloc.bench.workload.Workloads;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite in quick mode with every allocator this machine has, each in its own JVM as in a real run: every
 * workload must verify its blocks with every allocator (timing is not checked), and the outputs must be written.
 * Allocators whose library is absent are skipped with a message, not failed. A native peer whose own library
 * aborts its measuring JVM (gperftools' tcmalloc did so now and then before it was preloaded: exit code 134)
 * is reported, not failed: that is the peer's crash, not a workload's verdict. lgmalloc's runs are never excused.
 */
class SuiteQuickTest {

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyWorkloadVerifiesWithEveryAvailableAllocator(@TempDir Path out) throws Exception {
        SuiteOptions options = SuiteCommand.parse(List.of("--quick", "--allocators", "all", "--threads", "2",
                "--out", out.toString()));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        SuiteResults results = SuiteMain.measure(options,
                new PrintWriter(new OutputStreamWriter(progress, StandardCharsets.UTF_8), true));
        Reports.write(results, List.of("--quick", "--allocators", "all"));

        List<String> problems = new ArrayList<>();
        for (Peers.Spec peer : Peers.all()) {
            Optional<String> absent = peer.unavailableReason();
            if (absent.isPresent()) {
                System.out.println("skipped " + peer.name() + ": " + absent.get());
                continue;
            }
            for (Workload workload : Workloads.all()) {
                Optional<Summary> summary = results.summary(workload.name(), peer.name());
                if (summary.isPresent()) {
                    if (!summary.get().verified()) {
                        problems.add(peer.name() + "/" + workload.name() + ": " + summary.get().verification());
                    }
                } else if (!(peer.name().equals("arena-confined") && workload.freesAcrossThreads())) {
                    problems.add(peer.name() + "/" + workload.name() + ": no result ("
                            + results.skipReason(workload.name(), peer.name()).orElse("not run") + ")");
                }
            }
        }
        List<String> crashedPeers = results.failures().stream().filter(SuiteQuickTest::nativePeerAborted)
                .map(SuiteResults.Skip::allocator).distinct().toList();
        crashedPeers.forEach(peer -> System.out.println("warning: " + peer + "'s library aborted its JVM; its "
                + "runs are not counted"));
        problems.removeIf(p -> crashedPeers.stream().anyMatch(peer -> p.startsWith(peer + "/")
                && p.contains("exited with code 134")));
        assertEquals(List.of(), problems, () -> "progress:\n" + progress.toString(StandardCharsets.UTF_8));
        // tcmalloc's JVMs run with it preloaded, so that glibc's malloc never grows the program break beside it;
        // every other native peer leaves the JVM on glibc.
        for (SuiteResults.PeerInfo peer : results.peers()) {
            boolean preloaded = peer.notes().contains("preloaded");
            if (peer.name().startsWith("tcmalloc")) {
                assertTrue(preloaded, peer.name() + " is the process's malloc: " + peer.notes());
            } else {
                assertFalse(preloaded, peer.name() + " leaves the JVM on glibc: " + peer.notes());
            }
        }
        assertEquals(List.of(), results.failures().stream().filter(f -> !nativePeerAborted(f)).toList());
        assertTrue(results.measurements().stream().allMatch(Measurement::verified));

        String markdown = Files.readString(out.resolve("results.md"));
        for (String workload : Workloads.names()) {
            assertTrue(markdown.contains("| " + workload + " |"), "results.md has a row for " + workload);
        }
        assertTrue(markdown.contains("## Process peak RSS"), "results.md compares the processes' whole peaks");
        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.contains("\"runs\": [") && json.contains("\"machine\": {"), json);
        assertFalse(json.contains("NaN"), "JSON has no NaN literals");
        for (String chart : List.of("time.png", "rss.png")) {
            BufferedImage image = ImageIO.read(out.resolve(chart).toFile());
            assertNotNull(image, chart + " is a PNG");
            assertTrue(image.getWidth() >= 640 && image.getHeight() >= 400, chart + " size");
        }
    }

    private static boolean nativePeerAborted(SuiteResults.Skip failure) {
        boolean nativePeer = failure.allocator().startsWith("tcmalloc") || failure.allocator().startsWith("jemalloc")
                || failure.allocator().startsWith("mimalloc");
        return nativePeer && failure.reason().contains("exited with code 134");
    }
}
