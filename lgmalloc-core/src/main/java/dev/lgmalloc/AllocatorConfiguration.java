package dev.lgmalloc;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * How an {@link Allocator} is set up: its size classes (standard plus exact classes for predicted sizes),
 * the classes every new thread heap pre-provisions, how long free memory waits before it goes back to the OS,
 * how many heaps virtual threads share, and whether they use their carriers' heaps.
 *
 * <p>lgmalloc's predictor builds one from a program's plan; {@link #defaults()} needs no plan.
 *
 * @param sizeClasses           the size classes
 * @param provisionedBlockSizes requests sizes whose classes every new heap gets a page for up front
 * @param purgeDelay            how long a free page stays resident before it is purged
 * @param virtualThreadStripes  heaps shared by virtual threads (each borrowed with a try-lock)
 * @param memoryLimit           the most bytes the allocator may hold in pages and large blocks, 0 for no limit;
 *                              an allocation beyond it throws {@link OutOfMemoryError} naming the limit
 * @param carrierHeaps          whether a virtual thread allocates from the heap of the carrier it runs on, when
 *                              the JDK lets lgmalloc see carriers (lgmalloc's agent, or {@code --add-exports
 *                              java.base/jdk.internal.access=ALL-UNNAMED}); otherwise, and when another virtual
 *                              thread is inside that heap, it borrows a stripe
 */
public record AllocatorConfiguration(SizeClasses sizeClasses, long[] provisionedBlockSizes, Duration purgeDelay,
                                     int virtualThreadStripes, long memoryLimit, boolean carrierHeaps) {

    /**
     * The default delay before free memory is purged: 20 ms, so that a chunk stays resident at most until the second
     * tick of the maintenance thread (every 50 ms) after it was freed. mimalloc waits 10 ms. At 100 ms, larson's
     * most resident memory in process was 7-18% higher, at the same speed (docs/BENCHMARKS.md, twenty-first session).
     */
    public static final Duration DEFAULT_PURGE_DELAY = Duration.ofMillis(20);

    public AllocatorConfiguration {
        Objects.requireNonNull(sizeClasses, "sizeClasses");
        provisionedBlockSizes = provisionedBlockSizes.clone();
        for (long size : provisionedBlockSizes) {
            if (size < 0 || size > SizeClasses.MAX_SMALL_SIZE) {
                throw new IllegalArgumentException("cannot provision a page for " + size + "-byte blocks: sizes must "
                        + "be in [0, " + SizeClasses.MAX_SMALL_SIZE + "]");
            }
        }
        if (purgeDelay == null || purgeDelay.isNegative()) {
            throw new IllegalArgumentException("purge delay must be zero or positive: " + purgeDelay);
        }
        if (virtualThreadStripes < 1 || virtualThreadStripes > 4096) {
            throw new IllegalArgumentException("virtual-thread stripes must be in [1, 4096]: " + virtualThreadStripes);
        }
        if (memoryLimit < 0) {
            throw new IllegalArgumentException("memory limit must be 0 (none) or positive: " + memoryLimit);
        }
    }

    /**
     * Standard classes, nothing pre-provisioned, a 20 ms purge delay, two stripes per processor, no limit, carrier
     * heaps on (unless {@code -Dlgmalloc.carrierHeaps=false}).
     */
    public static AllocatorConfiguration defaults() {
        return new AllocatorConfiguration(SizeClasses.standard(), new long[0], DEFAULT_PURGE_DELAY,
                defaultStripes(), 0, !"false".equals(System.getProperty("lgmalloc.carrierHeaps")));
    }

    private static int defaultStripes() {
        return Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** This configuration with exact classes for {@code sizes} added to the standard ones. */
    public AllocatorConfiguration withExactSizes(long... sizes) {
        return new AllocatorConfiguration(SizeClasses.withExactSizes(sizes), provisionedBlockSizes, purgeDelay,
                virtualThreadStripes, memoryLimit, carrierHeaps);
    }

    /** This configuration with every new heap pre-provisioning the classes of {@code sizes}. */
    public AllocatorConfiguration withProvisionedSizes(long... sizes) {
        return new AllocatorConfiguration(sizeClasses, sizes, purgeDelay, virtualThreadStripes, memoryLimit, carrierHeaps);
    }

    /** This configuration with another purge delay. */
    public AllocatorConfiguration withPurgeDelay(Duration delay) {
        return new AllocatorConfiguration(sizeClasses, provisionedBlockSizes, delay, virtualThreadStripes, memoryLimit, carrierHeaps);
    }

    /** This configuration with another number of virtual-thread stripes. */
    public AllocatorConfiguration withVirtualThreadStripes(int stripes) {
        return new AllocatorConfiguration(sizeClasses, provisionedBlockSizes, purgeDelay, stripes, memoryLimit, carrierHeaps);
    }

    /** This configuration with virtual threads on their carriers' heaps ({@code true}) or on stripes only. */
    public AllocatorConfiguration withCarrierHeaps(boolean on) {
        return new AllocatorConfiguration(sizeClasses, provisionedBlockSizes, purgeDelay, virtualThreadStripes,
                memoryLimit, on);
    }

    /** This configuration with a limit on the bytes the allocator holds in pages and large blocks (0: none). */
    public AllocatorConfiguration withMemoryLimit(long bytes) {
        return new AllocatorConfiguration(sizeClasses, provisionedBlockSizes, purgeDelay, virtualThreadStripes, bytes, carrierHeaps);
    }

    /** The request sizes whose classes every new heap pre-provisions. */
    @Override
    public long[] provisionedBlockSizes() {
        return provisionedBlockSizes.clone();
    }

    /** The classes of {@link #provisionedBlockSizes}, each once, in order. A loop: on the first malloc's path. */
    int[] provisionedClasses() {
        int[] classes = new int[provisionedBlockSizes.length];
        int count = 0;
        for (long size : provisionedBlockSizes) {
            int sizeClass = sizeClasses.classOf(size);
            boolean seen = false;
            for (int i = 0; i < count && !seen; i++) {
                seen = classes[i] == sizeClass;
            }
            if (!seen) {
                classes[count++] = sizeClass;
            }
        }
        return Arrays.copyOf(classes, count);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AllocatorConfiguration c && c.sizeClasses.equals(sizeClasses)
                && Arrays.equals(c.provisionedBlockSizes, provisionedBlockSizes) && c.purgeDelay.equals(purgeDelay)
                && c.virtualThreadStripes == virtualThreadStripes && c.memoryLimit == memoryLimit
                && c.carrierHeaps == carrierHeaps;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sizeClasses, Arrays.hashCode(provisionedBlockSizes), purgeDelay, virtualThreadStripes,
                memoryLimit, carrierHeaps);
    }

    @Override
    public String toString() {
        return "AllocatorConfiguration[" + sizeClasses + ", provisioned=" + Arrays.toString(provisionedBlockSizes)
                + ", purgeDelay=" + purgeDelay + ", virtualThreadStripes=" + virtualThreadStripes
                + ", memoryLimit=" + memoryLimit + ", carrierHeaps=" + carrierHeaps + "]";
    }
}
