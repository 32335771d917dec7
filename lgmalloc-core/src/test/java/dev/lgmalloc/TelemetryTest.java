package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.management.AllocatorManagement;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

class TelemetryTest {

    @Test
    void jfrRecordsStatisticsPlanMissesAndLargeBlocks() throws Exception {
        Path file = Files.createTempFile("lgmalloc", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.lgmalloc.Statistics").withPeriod(Duration.ofMillis(100));
            recording.enable("dev.lgmalloc.ClassStatistics").withPeriod(Duration.ofMillis(100));
            recording.enable("dev.lgmalloc.PlanApplied");
            recording.enable("dev.lgmalloc.PredictionMiss");
            recording.enable("dev.lgmalloc.LargeAllocation");
            recording.start();
            Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withExactSizes(300)
                    .withProvisionedSizes(300));
            long kept = allocator.malloc(300);
            int c64 = allocator.sizeClasses().classOf(64);
            long missed = allocator.mallocPredicted(1000, c64);
            long large = allocator.malloc(1 << 20);
            // Wait for the periodic events themselves (every 100 ms), not for a fixed time.
            String name = allocator.name();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<RecordedEvent> events;
            do {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
                recording.dump(file);
                events = RecordingFile.readAllEvents(file);
            } while (!hasPeriodicEvents(events, name) && System.nanoTime() < deadline);
            recording.stop();
            allocator.free(kept);
            allocator.free(missed);
            allocator.free(large);
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.lgmalloc.PlanApplied");
                assertThat(e.getString("allocator")).isEqualTo(name);
                assertThat(e.getString("exactSizes")).isEqualTo("[304]");
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.lgmalloc.PredictionMiss");
                assertThat(e.getLong("size")).isEqualTo(1000);
                assertThat(e.getLong("predictedBlockSize")).isEqualTo(64);
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.lgmalloc.LargeAllocation");
                assertThat(e.getLong("address")).isEqualTo(large);
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.lgmalloc.Statistics");
                assertThat(e.getString("allocator")).isEqualTo(name);
                assertThat(e.getLong("liveBlocks")).isEqualTo(3);
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.lgmalloc.ClassStatistics");
                assertThat(e.getInt("blockSize")).isEqualTo(304);
                assertThat(e.getBoolean("exact")).isTrue();
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static boolean hasPeriodicEvents(List<RecordedEvent> events, String allocator) {
        // The events the test asserts on: taken after its three allocations.
        boolean statistics = events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.lgmalloc.Statistics")
                && allocator.equals(e.getString("allocator")) && e.getLong("liveBlocks") == 3);
        boolean classes = events.stream().anyMatch(e -> e.getEventType().getName()
                .equals("dev.lgmalloc.ClassStatistics") && allocator.equals(e.getString("allocator"))
                && e.getInt("blockSize") == 304);
        return statistics && classes;
    }

    @Test
    void mxBeanShowsStatisticsAndThePlan() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withExactSizes(300)
                .withProvisionedSizes(48));
        ObjectName name = AllocatorManagement.register(allocator);
        assertThat(AllocatorManagement.register(allocator)).isEqualTo(name);
        long p = allocator.malloc(300);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        assertThat(server.getAttribute(name, "LiveBlocks")).isEqualTo(1L);
        assertThat(server.getAttribute(name, "PredictedHits")).isEqualTo(0L);
        assertThat(server.getAttribute(name, "LiveBytes")).isEqualTo(304L);
        assertThat((long) server.getAttribute(name, "PeakUsedBytes"))
                .isGreaterThanOrEqualTo((long) server.getAttribute(name, "UsedBytes")).isPositive();
        assertThat((int[]) server.getAttribute(name, "ExactClassSizes")).containsExactly(304);
        assertThat((long[]) server.getAttribute(name, "ProvisionedSizes")).containsExactly(48);
        assertThat((int[]) server.getAttribute(name, "BlockSizesInUse")).contains(304);
        allocator.free(p);
        server.invoke(name, "trim", null, null);
        assertThat(server.getAttribute(name, "LiveBlocks")).isEqualTo(0L);
        server.unregisterMBean(name);
    }

    /**
     * lgmalloc in a JVM that records nothing: the maintenance thread puts its hooks in place without starting JFR,
     * and a recording started later still gets the periodic events.
     */
    public static final class RecordingStartedLater {
        public static void main(String[] args) throws Exception {
            long block = LgMalloc.malloc(64);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!dev.lgmalloc.internal.jfr.Telemetry.isRegistered() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            System.out.println("hooks-registered=" + dev.lgmalloc.internal.jfr.Telemetry.isRegistered());
            System.out.println("recording-starts");
            Path file = Files.createTempFile("lgmalloc", ".jfr");
            try (Recording recording = new Recording()) {
                recording.enable("dev.lgmalloc.Statistics").withPeriod(Duration.ofMillis(100));
                recording.start();
                boolean recorded;
                do {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
                    recording.dump(file);
                    recorded = RecordingFile.readAllEvents(file).stream().anyMatch(e ->
                            e.getEventType().getName().equals("dev.lgmalloc.Statistics")
                                    && e.getLong("liveBlocks") >= 1);
                } while (!recorded && System.nanoTime() < deadline);
                System.out.println("statistics-recorded=" + recorded);
            } finally {
                Files.deleteIfExists(file);
                LgMalloc.free(block);
            }
        }
    }

    /**
     * lgmalloc as the agent leaves it, in a JVM that records nothing: a plan applied, a routed site that misses its
     * class, a block large enough for its own mapping. Each of these has an event, and none may load JFR's metadata.
     */
    public static final class PlannedAllocatorRecordingNothing {
        public static void main(String[] args) {
            LgMalloc.configure(AllocatorConfiguration.defaults().withExactSizes(300).withProvisionedSizes(300));
            long exact = LgMalloc.malloc(300);
            long missed = LgMalloc.mallocPredicted(1000, LgMalloc.allocator().sizeClasses().classOf(64));
            long large = LgMalloc.malloc(1 << 20);
            LgMalloc.free(exact);
            LgMalloc.free(missed);
            LgMalloc.free(large);
            System.out.println("allocated-and-freed usable=" + LgMalloc.allocator().sizeClasses().blockSize(
                    LgMalloc.allocator().sizeClasses().classOf(300)));
        }
    }

    @Test
    void aPlanAMissAndALargeBlockDoNotStartJfr() throws Exception {
        String output = FreshJvm.run(PlannedAllocatorRecordingNothing.class, "-Xlog:class+load=info:stdout");
        assertThat(output).contains("allocated-and-freed usable=304");
        assertThat(output).doesNotContain("jdk.jfr.internal.MetadataRepository ", "jdk.jfr.Event ",
                "dev.lgmalloc.internal.jfr.PlanAppliedEvent ", "dev.lgmalloc.internal.jfr.PredictionMissEvent ",
                "dev.lgmalloc.internal.jfr.LargeAllocationEvent ");
    }

    @Test
    void jfrStartsOnlyWithARecordingAndThePeriodicEventsFollowIt() throws Exception {
        // Registering a periodic event loads JFR's metadata repository, 8 MiB and 150 ms in a fresh JVM.
        String output = FreshJvm.run(RecordingStartedLater.class, "-Xlog:class+load=info:stdout");
        assertThat(output).contains("hooks-registered=true", "recording-starts", "statistics-recorded=true");
        String beforeRecording = output.substring(0, output.indexOf("recording-starts"));
        assertThat(beforeRecording).contains("dev.lgmalloc.internal.jfr.Telemetry ")
                .doesNotContain("jdk.jfr.internal.MetadataRepository ");
    }
}
