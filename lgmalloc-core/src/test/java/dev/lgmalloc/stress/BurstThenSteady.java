package dev.lgmalloc.stress;

import dev.lgmalloc.LgMalloc;
import dev.lgmalloc.internal.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the purge of free extents gives back after a burst: 4,000 blocks of 8-32 KiB are allocated and written, six
 * in seven are freed (so their pages stay in use), then a light steady load runs for a second. Prints the RSS the burst added and what
 * is left of it after the second. Run in a fresh JVM:
 * {@code java --enable-native-access=ALL-UNNAMED -cp lgmalloc-core/target/classes:lgmalloc-core/target/test-classes
 * dev.lgmalloc.stress.BurstThenSteady}.
 */
public final class BurstThenSteady {

    private BurstThenSteady() {
    }

    public static void main(String[] args) throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        long base = residentKiB();
        long[] burst = new long[4000];
        for (int i = 0; i < burst.length; i++) {
            long size = 8192 + random.nextInt(24 * 1024);
            burst[i] = LgMalloc.malloc(size);
            Memory.segment(burst[i], size).fill((byte) 1);
        }
        long afterBurst = residentKiB();
        for (int i = 0; i < burst.length; i++) {
            if (i % 7 != 0) {
                LgMalloc.free(burst[i]);
            }
        }
        long end = System.nanoTime() + 1_000_000_000L;
        long[] ring = new long[64];
        while (System.nanoTime() < end) {
            int slot = random.nextInt(ring.length);
            if (ring[slot] != 0) {
                LgMalloc.free(ring[slot]);
            }
            ring[slot] = LgMalloc.malloc(random.nextBoolean() ? 64 : 8192 + random.nextInt(24 * 1024));
        }
        System.out.printf(Locale.ROOT, "RSS added by the burst %d MiB; after a second of steady load %d MiB%n",
                (afterBurst - base) >> 10, (residentKiB() - base) >> 10);
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
