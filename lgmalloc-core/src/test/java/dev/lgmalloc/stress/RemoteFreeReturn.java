package dev.lgmalloc.stress;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import java.util.concurrent.CountDownLatch;

/**
 * How fast memory freed by other threads goes back to the OS while the threads that allocated it live on:
 * {@code owners} threads allocate 1 GiB of {@code blockSize}-byte blocks together and then wait; as many other
 * threads free every block; the process's RSS is printed as time passes, without {@code trim()}. Usage:
 * {@code RemoteFreeReturn [blockSize] [owners]} (scripts/stress --remote-free runs it).
 */
public final class RemoteFreeReturn {

    private static final java.lang.foreign.MemorySegment ALL =
            java.lang.foreign.MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private RemoteFreeReturn() {
    }

    public static void main(String[] args) throws Exception {
        int blockSize = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int owners = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        long total = 1L << 30;
        int perOwner = (int) (total / blockSize / owners);
        long[][] blocks = new long[owners][perOwner];
        CountDownLatch allocated = new CountDownLatch(owners);
        CountDownLatch finish = new CountDownLatch(1);
        long baseline = dev.lgmalloc.Rss.bytes();
        for (int o = 0; o < owners; o++) {
            long[] mine = blocks[o];
            Thread.ofPlatform().name("owner-" + o).start(() -> {
                for (int i = 0; i < mine.length; i++) {
                    mine[i] = allocator.malloc(blockSize);
                    ALL.set(java.lang.foreign.ValueLayout.JAVA_LONG, mine[i], i);   // touch it
                }
                allocated.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        allocated.await();
        long full = dev.lgmalloc.Rss.bytes();
        Thread[] freers = new Thread[owners];
        for (int o = 0; o < owners; o++) {
            long[] theirs = blocks[o];
            freers[o] = Thread.ofPlatform().name("freer-" + o).start(() -> {
                for (long p : theirs) {
                    allocator.free(p);
                }
            });
        }
        for (Thread t : freers) {
            t.join();
        }
        long freedAt = System.nanoTime();
        System.out.printf("%d-byte blocks, %d owner threads alive: RSS baseline %d MiB, allocated %d MiB%n",
                blockSize, owners, baseline >> 20, full >> 20);
        for (long ms : new long[] {0, 50, 100, 200, 300, 500, 1000}) {
            while ((System.nanoTime() - freedAt) / 1_000_000 < ms) {
                Thread.sleep(1);      // a measurement at fixed times, not a wait for a condition
            }
            long now = dev.lgmalloc.Rss.bytes();
            System.out.printf("  %4d ms after the last remote free: RSS %5d MiB (%.0f%% of the allocation returned)%n",
                    ms, now >> 20, 100.0 * (full - now) / (full - baseline));
        }
        finish.countDown();
    }
}
