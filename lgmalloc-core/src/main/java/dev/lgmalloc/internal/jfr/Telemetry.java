package dev.lgmalloc.internal.jfr;

import dev.lgmalloc.AllocatorStatistics;
import java.util.List;
import java.util.function.Supplier;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/** Emits lgmalloc's periodic JFR events; the hooks run only while a recording asks for them. */
public final class Telemetry {

    /** One allocator as the periodic hooks see it. */
    public interface Source {
        String name();

        AllocatorStatistics statistics();
    }

    private static boolean registered;

    private Telemetry() {
    }

    /**
     * Registers the periodic hooks once JFR's recorder exists; {@code sources} lists the live allocators at each
     * period. Registering a periodic event starts JFR's machinery (8 MiB of resident memory and 150 ms of CPU in a
     * fresh JVM, measured), which a JVM that never records should not pay: a listener costs a few classes, and
     * JFR calls it when the first recording starts, or at once if one already has.
     */
    public static synchronized void register(Supplier<List<? extends Source>> sources) {
        if (registered) {
            return;
        }
        registered = true;
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                addPeriodicEvents(sources);
            }
        });
    }

    /** Whether {@link #register} has run: the maintenance thread does it on its first tick. */
    public static synchronized boolean isRegistered() {
        return registered;
    }

    private static void addPeriodicEvents(Supplier<List<? extends Source>> sources) {
        FlightRecorder.addPeriodicEvent(StatisticsEvent.class, () -> {
            for (Source source : sources.get()) {
                AllocatorStatistics s = source.statistics();
                StatisticsEvent e = new StatisticsEvent();
                e.allocator = source.name();
                e.liveBytes = s.liveBytes();
                e.liveBlocks = s.liveBlocks();
                e.committedBytes = s.committedBytes();
                e.reservedBytes = s.reservedBytes();
                e.heaps = s.heaps();
                e.segments = s.segments();
                e.largeBlocks = s.largeBlocks();
                e.commit();
            }
        });
        FlightRecorder.addPeriodicEvent(ClassStatisticsEvent.class, () -> {
            for (Source source : sources.get()) {
                for (AllocatorStatistics.ClassStatistics c : source.statistics().classes()) {
                    ClassStatisticsEvent e = new ClassStatisticsEvent();
                    e.allocator = source.name();
                    e.blockSize = c.blockSize();
                    e.exact = c.exact();
                    e.pages = c.pages();
                    e.liveBlocks = c.liveBlocks();
                    e.capacityBlocks = c.capacityBlocks();
                    e.commit();
                }
            }
        });
        FlightRecorder.addPeriodicEvent(HeapStatisticsEvent.class, () -> {
            for (Source source : sources.get()) {
                for (AllocatorStatistics.HeapStatistics h : source.statistics().heapDetails()) {
                    HeapStatisticsEvent e = new HeapStatisticsEvent();
                    e.allocator = source.name();
                    e.owner = h.owner();
                    e.kind = h.kind().name();
                    e.pages = h.pages();
                    e.liveBytes = h.liveBytes();
                    e.commit();
                }
            }
        });
    }

    /**
     * Whether an event could be recorded now. Loading an event class registers it with JFR, which then builds its
     * metadata repository: 8 MiB of resident memory and dozens of classes in a JVM that never records (the agent
     * configures a plan in every JVM it starts). Until JFR is initialized, by a recording or by a JVM option, no
     * recording exists that an event could go to, so the event classes are left unloaded until then.
     */
    private static boolean mayRecord() {
        return FlightRecorder.isInitialized();
    }

    /** Records that an allocator started with a prediction. */
    public static void planApplied(String allocator, int[] exactSizes, long[] provisionedSizes, int sizeClasses) {
        if (!mayRecord()) {
            return;
        }
        PlanAppliedEvent e = new PlanAppliedEvent();
        if (e.isEnabled()) {
            e.allocator = allocator;
            e.exactSizes = java.util.Arrays.toString(exactSizes);
            e.provisionedSizes = java.util.Arrays.toString(provisionedSizes);
            e.sizeClasses = sizeClasses;
            e.commit();
        }
    }

    /** Records a routed site whose request did not fit its predicted class. */
    public static void predictionMiss(long size, long predictedBlockSize) {
        if (!mayRecord()) {
            return;
        }
        PredictionMissEvent e = new PredictionMissEvent();
        if (e.isEnabled()) {
            e.size = size;
            e.predictedBlockSize = predictedBlockSize;
            e.commit();
        }
    }

    /** Records a block that got its own mapping. */
    public static void largeAllocation(long size, long address) {
        if (!mayRecord()) {
            return;
        }
        LargeAllocationEvent e = new LargeAllocationEvent();
        if (e.isEnabled()) {
            e.size = size;
            e.address = address;
            e.commit();
        }
    }
}
