package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * malloc and free stay small enough, as C2 compiles them, for C2 to inline them into their callers.
 *
 * <p>C2 inlines a method that is already compiled only when its machine code is at most {@code InlineSmallCode}
 * bytes (2,500 on x86-64 and AArch64). A caller compiled after that calls it instead, on every block: when the
 * locked extent free was compiled into {@code Heap.free}, free grew to 7 KB and glibc-thread ran about 7% slower
 * (docs/BENCHMARKS.md). Nothing else notices such a change: every test still passes, only slower. This one runs
 * small blocks, extents and frees from the other thread in a fresh JVM, reads the size of C2's code for each entry
 * point ({@code -XX:CompileCommand=print}) and holds it to the JVM's own limit.
 */
class InlinableEntryPointsTest {

    private static final String[] ENTRY_POINTS = {
        "dev.lgmalloc.LgMalloc::malloc", "dev.lgmalloc.LgMalloc::free", "dev.lgmalloc.internal.Heap::free",
    };

    /** A C2 compile's header and, two lines below, its code: {@code main code [0x..,0x..] = 2152}. */
    private static final Pattern C2_COMPILE = Pattern.compile(
            "Compiled method \\(c2\\)[^\\n]*?\\s(\\S+::\\S+) \\(\\d+ bytes\\)\\n[^\\n]*\\n\\s*main code\\s+\\[[^]]*]"
                    + "\\s*=\\s*(\\d+)");

    private static final Pattern INLINE_SMALL_CODE = Pattern.compile("\\sInlineSmallCode\\s+=\\s+(\\d+)");

    @Test
    void c2KeepsMallocAndFreeSmallEnoughToInline() throws Exception {
        List<String> options = new ArrayList<>(List.of(
                "-Xbatch",                      // compiled before the calls go on: the same compiles on every run
                "-XX:+PrintFlagsFinal",         // the limit of this JVM on this platform
                "-XX:+UnlockDiagnosticVMOptions", "-XX:CompileCommand=quiet"));
        for (String method : ENTRY_POINTS) {
            options.add("-XX:CompileCommand=print," + method);
        }
        String output = FreshJvm.run(MixedWorkload.class, options.toArray(String[]::new));
        Matcher flag = INLINE_SMALL_CODE.matcher(output);
        assertThat(flag.find()).as("InlineSmallCode in -XX:+PrintFlagsFinal's output").isTrue();
        int limit = Integer.parseInt(flag.group(1));

        // The largest C2 code of each method (Heap.free has two overloads; OSR compiles have no loop here).
        Map<String, Integer> largest = new HashMap<>();
        Matcher m = C2_COMPILE.matcher(output);
        while (m.find()) {
            largest.merge(m.group(1), Integer.parseInt(m.group(2)), Math::max);
        }
        assertThat(largest).as("C2 compiles of %s", String.join(", ", ENTRY_POINTS))
                .containsOnlyKeys(ENTRY_POINTS);
        assertThat(largest).allSatisfy((method, bytes) -> assertThat(bytes)
                .as("bytes of C2 code in %s; above InlineSmallCode (%d) no caller compiled later inlines it",
                        method, limit)
                .isLessThanOrEqualTo(limit));
    }

    /**
     * glibc-thread's pattern: 1,024 slots, sizes log-uniform from 8 B to 64 KiB (small blocks and extents), with
     * every eighth block handed to a second thread, which frees the batch while the first waits; and rptest's:
     * bursts of extents freed together, more than the owner's extent cache keeps, so that the locked extent free
     * is hot. Each branch of free is taken often enough for C2 to compile it in, as real workloads do; the strict
     * turns and the fixed seed make the profiles, and so the compiles, the same on every run.
     */
    static final class MixedWorkload {

        private static final int ROUNDS = 2_000_000;
        private static final int BATCH = 1024;
        private static final int BURST = 32;

        public static void main(String[] args) throws InterruptedException {
            SynchronousQueue<long[]> toFreer = new SynchronousQueue<>();
            SynchronousQueue<long[]> freed = new SynchronousQueue<>();
            Thread freer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        long[] batch = toFreer.take();
                        for (long block : batch) {
                            if (block != 0) {
                                LgMalloc.free(block);
                            }
                        }
                        freed.put(batch);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long[] slots = new long[1024];
            long[] batch = new long[BATCH];
            int handed = 0;
            long seed = 42;
            for (int round = 0; round < ROUNDS; round++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                int slot = (int) (seed >>> 54);
                long bits = seed >>> 20;
                long size = 8L << (int) (bits % 13);
                size += (bits >>> 8) % size;
                if (slots[slot] != 0) {
                    if ((bits & 7) == 0) {
                        batch[handed++] = slots[slot];
                    } else {
                        LgMalloc.free(slots[slot]);
                    }
                }
                slots[slot] = LgMalloc.malloc(size);
                if ((round & 63) == 0) {
                    burstOfExtents();
                }
                if (handed == BATCH) {
                    toFreer.put(batch);
                    batch = freed.take();
                    java.util.Arrays.fill(batch, 0);
                    handed = 0;
                }
            }
            for (long block : slots) {
                if (block != 0) {
                    LgMalloc.free(block);
                }
            }
            for (int i = 0; i < handed; i++) {
                LgMalloc.free(batch[i]);
            }
            freer.interrupt();
        }

        private static void burstOfExtents() {
            long[] burst = new long[BURST];
            for (int i = 0; i < BURST; i++) {
                burst[i] = LgMalloc.malloc(16 * 1024 + i * 512);
            }
            for (long block : burst) {
                LgMalloc.free(block);
            }
        }
    }
}
