package dev.lgmalloc.management;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorStatistics;
import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Registers allocators with the platform MBean server. Registration is explicit: JMX costs start-up time. */
public final class AllocatorManagement {

    private AllocatorManagement() {
    }

    /** The object name of {@code allocator}'s MXBean. */
    public static ObjectName objectName(Allocator allocator) {
        try {
            return new ObjectName("dev.lgmalloc", new java.util.Hashtable<>(java.util.Map.of("type", "Allocator",
                    "name", allocator.name())));
        } catch (JMException e) {
            throw new IllegalStateException("bad object name for allocator " + allocator.name(), e);
        }
    }

    /** Registers {@code allocator}'s MXBean (once; later calls return the same name). */
    public static ObjectName register(Allocator allocator) {
        ObjectName name = objectName(allocator);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(view(allocator), name);
        } catch (InstanceAlreadyExistsException e) {
            // registered before: nothing to do
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name, e);
        }
        return name;
    }

    /** An MXBean view of {@code allocator}. */
    public static AllocatorMXBean view(Allocator allocator) {
        return new AllocatorMXBean() {
            @Override
            public long getLiveBytes() {
                return allocator.statistics().liveBytes();
            }

            @Override
            public long getLiveBlocks() {
                return allocator.statistics().liveBlocks();
            }

            @Override
            public long getCommittedBytes() {
                return allocator.statistics().committedBytes();
            }

            @Override
            public long getReservedBytes() {
                return allocator.statistics().reservedBytes();
            }

            @Override
            public long getUsedBytes() {
                return allocator.usedBytes();
            }

            @Override
            public long getPeakUsedBytes() {
                return allocator.peakUsedBytes();
            }

            @Override
            public long getMemoryLimit() {
                return allocator.configuration().memoryLimit();
            }

            @Override
            public int getHeaps() {
                return allocator.statistics().heaps();
            }

            @Override
            public int getSegments() {
                return allocator.statistics().segments();
            }

            @Override
            public long getPredictedHits() {
                return allocator.statistics().predictedHits();
            }

            @Override
            public long getLargeBlocks() {
                return allocator.statistics().largeBlocks();
            }

            @Override
            public int[] getBlockSizesInUse() {
                return allocator.statistics().classes().stream()
                        .mapToInt(AllocatorStatistics.ClassStatistics::blockSize).toArray();
            }

            @Override
            public int[] getExactClassSizes() {
                return allocator.sizeClasses().exactSizes();
            }

            @Override
            public long[] getProvisionedSizes() {
                return allocator.configuration().provisionedBlockSizes();
            }

            @Override
            public void trim() {
                allocator.trim();
            }
        };
    }
}
