package dev.lgmalloc;

/**
 * What of an allocator's memory is resident now, in RAM, by what holds it: the kernel's answer ({@code mincore})
 * for every range the allocator has mapped. {@link AllocatorStatistics#committedBytes()} is an upper bound of the
 * same total; this says where the resident part is, which is what a peak RSS above the live bytes is made of.
 *
 * @param classPageBytes  pages of size classes (blocks below 8 KiB): live blocks, free ones, and touched space
 * @param extentPageBytes extent pages (blocks from 8 KiB): live blocks, and free units not purged yet
 * @param freeChunkBytes  chunks of segments no page holds, released and not purged yet
 * @param largeBlockBytes mappings of large blocks: live ones, and freed ones kept for reuse
 */
public record AllocatorResidency(long classPageBytes, long extentPageBytes, long freeChunkBytes,
                                 long largeBlockBytes) {

    /** Every resident byte of the allocator's memory. */
    public long totalBytes() {
        return classPageBytes + extentPageBytes + freeChunkBytes + largeBlockBytes;
    }
}
