package dev.lgmalloc.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.LgArena;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * An adversarial stress of one allocator, in the shape a demanding user would try: platform threads doing
 * {@code malloc}, {@code calloc}, {@code alignedAlloc} and {@code realloc} on sizes from 1 byte to 2 MiB, every block
 * filled with a pattern of its own and verified before it is freed or resized, blocks handed to other threads
 * and freed there, every worker thread replaced after a while (leaving its live blocks to others), then bursts
 * of extents that fill and empty whole extent pages while trims purge, then a crowd of virtual threads doing the same on small blocks, and every fourth round opening an arena that it holds
 * across a yield. A watchdog fails the run, with a thread dump, when no operation finishes for
 * {@link Options#hangAfter()}.
 *
 * <p>Nothing here throws on the first problem: every failure is counted by {@link Failure} kind, so one run
 * says how many frees were refused, how many blocks changed, and so on. Run it from the command line
 * ({@code scripts/stress}) or from a test ({@code StressTest}).
 */
public final class Stress {

    /** What can go wrong; a clean run has none of these. */
    public enum Failure {
        /** A free, realloc or usableSize of a live block was refused. */
        REFUSED,
        /** A live block's content changed while its owner held it. */
        CHANGED,
        /** A calloc'ed block or an arena's segment was not zero. */
        NOT_ZERO,
        /** An aligned allocation was not aligned. */
        MISALIGNED,
        /** Any other exception from the allocator. */
        UNEXPECTED,
        /** Live bytes or blocks remained after everything was freed. */
        LEAKED,
        /** Memory stayed committed after everything was freed and {@code trim()}: pages or caches not returned. */
        RETAINED,
        /** No operation finished for {@link Options#hangAfter()}. */
        HUNG
    }

    /**
     * The shape of a run.
     *
     * @param platformThreads  concurrent platform worker threads
     * @param operations       operations all platform workers do together
     * @param slots            blocks a worker holds at most
     * @param threadLifetime   operations after which a worker ends and a new thread takes its place
     * @param largeShare       percent of allocations that are large blocks (140 KiB to 2 MiB), often resized
     * @param extentBursts     bursts of extents (8-64 KiB) each platform thread allocates and frees whole, while
     *                         trims purge back to back, after the platform phase (0: none)
     * @param virtualThreads   virtual threads started after the extent phase (0: none)
     * @param virtualRounds    allocations each virtual thread makes, with a {@code Thread.yield()} between
     * @param hangAfter        no progress for this long is a hang
     * @param seed             seed of every random choice
     */
    public record Options(int platformThreads, long operations, int slots, int threadLifetime, int largeShare,
                          int extentBursts, int virtualThreads, int virtualRounds, Duration hangAfter, long seed) {

        /** The version CI runs: a few seconds. */
        public static Options quick(long seed) {
            return new Options(4, 400_000, 32, 40_000, 3, 300, 2_000, 4, Duration.ofSeconds(20), seed);
        }

        /** The version of the reproduction: 8 threads, large blocks resized, 100,000 virtual threads. */
        public static Options full(long seed) {
            return new Options(8, 1_500_000, 64, 150_000, 4, 3_000, 100_000, 4, Duration.ofSeconds(20), seed);
        }
    }

    /** What a run found. */
    public record Result(long operations, Map<Failure, Long> failures, List<String> examples, long liveBytesAfter,
                         long liveBlocksAfter, long committedBytesAfter, Duration elapsed) {

        public boolean clean() {
            return failures.values().stream().allMatch(n -> n == 0);
        }

        @Override
        public String toString() {
            return String.format("%,d operations in %.1f s; failures %s; after freeing everything: %d live bytes, "
                    + "%d live blocks, %,d committed bytes%s", operations, elapsed.toMillis() / 1000.0, failures,
                    liveBytesAfter, liveBlocksAfter, committedBytesAfter,
                    examples.isEmpty() ? "" : "\n  " + String.join("\n  ", examples));
        }
    }

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long LARGE_MIN = 140_000;
    private static final int LARGE_SPREAD = 2_000_000;
    private static final int MAX_EXAMPLES = 20;

    private final Allocator allocator;
    private final Options options;
    private final AtomicLong progress = new AtomicLong();
    private final Map<Failure, AtomicLong> failures = new EnumMap<>(Failure.class);
    private final List<String> examples = new ArrayList<>();
    private final ConcurrentLinkedQueue<Block> handOff = new ConcurrentLinkedQueue<>();
    private final Consumer<String> log;
    private volatile boolean stopped;

    private Stress(Allocator allocator, Options options, Consumer<String> log) {
        this.allocator = allocator;
        this.options = options;
        this.log = log;
        for (Failure f : Failure.values()) {
            failures.put(f, new AtomicLong());
        }
    }

    /**
     * Runs the stress on {@code allocator}, which must hold no live blocks before, and reports what it found.
     * {@code log} gets a progress line about once a second and the thread dump of a hang.
     */
    public static Result run(Allocator allocator, Options options, Consumer<String> log) throws InterruptedException {
        return new Stress(allocator, options, log).run();
    }

    private Result run() throws InterruptedException {
        long start = System.nanoTime();
        Thread watchdog = Thread.ofPlatform().daemon().name("stress-watchdog").start(this::watch);
        try {
            runPlatformPhase();
            if (!stopped && options.extentBursts() > 0) {
                runExtentPhase();
            }
            if (!stopped && options.virtualThreads() > 0) {
                runVirtualPhase();
            }
            if (!stopped) {
                for (Block b; (b = handOff.poll()) != null; ) {
                    verifyAndFree(b);
                }
            }
        } finally {
            watchdog.interrupt();
            watchdog.join();
        }
        AllocatorStatistics after = allocator.statistics();
        if (!stopped) {
            allocator.trim();
            after = allocator.statistics();
            if (after.liveBytes() != 0 || after.liveBlocks() != 0) {
                fail(Failure.LEAKED, after.liveBlocks() + " blocks (" + after.liveBytes() + " bytes) still live "
                        + "after every block was freed and trim()");
            } else if (after.committedBytes() != 0) {
                // Where they are, for the next run that finds this: the heaps holding pages, and by what kind.
                fail(Failure.RETAINED, after.committedBytes() + " bytes still committed after every block was "
                        + "freed and trim(); heaps with pages: " + after.heapDetails().stream()
                        .filter(h -> h.pages() > 0).toList() + "; resident: " + allocator.residency());
            }
        }
        Map<Failure, Long> counts = new EnumMap<>(Failure.class);
        failures.forEach((k, v) -> counts.put(k, v.get()));
        synchronized (examples) {
            return new Result(progress.get(), counts, List.copyOf(examples), after.liveBytes(), after.liveBlocks(),
                    after.committedBytes(), Duration.ofNanos(System.nanoTime() - start));
        }
    }

    // ---------------------------------------------------------------- platform threads

    private void runPlatformPhase() throws InterruptedException {
        long perThread = options.operations() / options.platformThreads();
        List<Thread> lanes = new ArrayList<>();
        for (int lane = 0; lane < options.platformThreads(); lane++) {
            int laneNumber = lane;
            lanes.add(Thread.ofPlatform().name("stress-lane-" + lane).start(() -> runLane(laneNumber, perThread)));
        }
        for (Thread t : lanes) {
            t.join();
        }
    }

    /** One lane: a worker thread at a time, each replaced by a new thread after its lifetime. */
    private void runLane(int lane, long operations) {
        SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003 + lane);
        long done = 0;
        for (int generation = 0; done < operations && !stopped; generation++) {
            long ops = Math.min(operations - done, options.threadLifetime() / 2
                    + random.nextInt(Math.max(1, options.threadLifetime())));
            SplittableRandom workerRandom = random.split();
            Thread worker = Thread.ofPlatform().name("stress-" + lane + "-" + generation)
                    .start(() -> work(workerRandom, ops));
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            done += ops;
        }
    }

    private void work(SplittableRandom random, long operations) {
        Block[] slots = new Block[options.slots()];
        for (long i = 0; i < operations && !stopped; i++) {
            int s = random.nextInt(slots.length);
            Block b = slots[s];
            try {
                if (b == null) {
                    slots[s] = allocate(random);
                } else {
                    int action = random.nextInt(100);
                    if (action < 35) {
                        slots[s] = null;
                        verifyAndFree(b);
                    } else if (action < 60) {
                        slots[s] = resize(b, random);
                    } else if (action < 80) {
                        slots[s] = null;
                        handOff.add(b);                  // another thread verifies and frees it
                    } else {
                        verify(b);
                    }
                }
                if (random.nextInt(8) == 0) {
                    Block other = handOff.poll();
                    if (other != null) {
                        verifyAndFree(other);
                    }
                }
                if (random.nextInt(40_000) == 0) {
                    // Blocked for a few maintenance passes, not waiting for anything: the passes hand the pages of
                    // this thread's idle classes over, and its blocks in them must stay intact and freeable.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(100)));
                }
            } catch (RuntimeException e) {
                fail(e instanceof InvalidFreeException ? Failure.REFUSED : Failure.UNEXPECTED, e.toString());
            }
            progress.incrementAndGet();
        }
        // This thread ends; what it still holds outlives it and is freed by others.
        for (Block b : slots) {
            if (b != null) {
                handOff.add(b);
            }
        }
    }

    private Block allocate(SplittableRandom random) {
        int kind = random.nextInt(100);
        long size = kind < options.largeShare() ? LARGE_MIN + random.nextInt(LARGE_SPREAD) : smallSize(random);
        long tag = random.nextLong() | 1;
        if (kind >= 80 && kind < 90) {
            long count = 1 + random.nextInt(8);
            long address = allocator.calloc(count, Math.max(1, size / count));
            Block b = new Block(address, count * Math.max(1, size / count), tag);
            checkZero(b);
            fill(b);
            return b;
        }
        if (kind >= 90) {
            long alignment = 1L << (4 + random.nextInt(random.nextInt(50) == 0 ? 17 : 9));   // 16 B .. 1 MiB
            long address = allocator.alignedAlloc(alignment, size);
            if ((address & (alignment - 1)) != 0) {
                fail(Failure.MISALIGNED, String.format("alignedAlloc(%d, %d) returned 0x%x", alignment, size, address));
            }
            Block b = new Block(address, size, tag);
            fill(b);
            return b;
        }
        Block b = new Block(allocator.malloc(size), size, tag);
        fill(b);
        return b;
    }

    /** Sizes skewed to small: most below 256 bytes, a few up to 300 KiB. */
    private static long smallSize(SplittableRandom random) {
        int bucket = random.nextInt(100);
        if (bucket < 60) {
            return 1 + random.nextInt(256);
        } else if (bucket < 85) {
            return 257 + random.nextInt(4096);
        } else if (bucket < 97) {
            return 4096 + random.nextInt(65_536);
        }
        return 65_536 + random.nextInt(240_000);
    }

    private Block resize(Block b, SplittableRandom random) {
        long newSize = b.size() >= LARGE_MIN || random.nextInt(100) < options.largeShare()
                ? LARGE_MIN + random.nextInt(LARGE_SPREAD)
                : smallSize(random);
        verify(b);
        long address = allocator.realloc(b.address(), newSize);
        Block moved = new Block(address, newSize, b.tag());
        long kept = Math.min(b.size(), newSize);
        forEachWord(b.size(), off -> {
            if (off + 8 <= kept) {
                long v = ALL.get(JAVA_LONG_UNALIGNED, address + off);
                if (v != pattern(b.tag(), off)) {
                    fail(Failure.CHANGED, String.format("realloc(0x%x, %d -> %d) = 0x%x lost the contents at +%d",
                            b.address(), b.size(), newSize, address, off));
                    return false;
                }
            }
            return true;
        });
        fill(moved);
        return moved;
    }

    // ---------------------------------------------------------------- extent pages

    /** Two threads that call {@code trim()} back to back until {@code done} reaches zero or the run stops. */
    private Thread[] startTrimmers(String name, CountDownLatch done) {
        Thread[] trimmers = new Thread[2];
        for (int i = 0; i < trimmers.length; i++) {
            trimmers[i] = Thread.ofPlatform().name(name + i).start(() -> {
                while (done.getCount() > 0 && !stopped) {
                    allocator.trim();
                }
            });
        }
        return trimmers;
    }

    /**
     * Extent pages filled and emptied whole, over and over, while two threads trim back to back: every trim
     * purges free units and releases empty pages, whose chunks the next burst's pages reuse at once. A purge
     * that lets a page go while its {@code madvise} is still to come drops the blocks of the page that reuses
     * the chunks; the mixed sizes of the platform phase rarely empty an extent page, so this phase makes it
     * happen thousands of times.
     */
    private void runExtentPhase() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(options.platformThreads());
        Thread[] trimmers = startTrimmers("stress-extent-trimmer-", done);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < options.platformThreads(); w++) {
            SplittableRandom random = new SplittableRandom(options.seed() * 104_729 + w);
            workers.add(Thread.ofPlatform().name("stress-extents-" + w).start(() -> {
                try {
                    extentWork(random);
                } finally {
                    done.countDown();
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        for (Thread trimmer : trimmers) {
            trimmer.join();
        }
    }

    private void extentWork(SplittableRandom random) {
        List<Block> burst = new ArrayList<>();
        for (int round = 0; round < options.extentBursts() && !stopped; round++) {
            try {
                // 512 KiB to 2 MiB: two to eight extent pages, so every burst fills pages and empties them again.
                long bytes = (512L << 10) + random.nextInt(3 << 20 >> 1);
                for (long taken = 0; taken < bytes; ) {
                    long size = (8 << 10) + random.nextInt(56 << 10);
                    Block b = new Block(allocator.malloc(size), size, random.nextLong() | 1);
                    fill(b);
                    burst.add(b);
                    taken += size;
                    progress.incrementAndGet();
                }
                java.util.Collections.shuffle(burst, new java.util.Random(random.nextLong()));
                for (Block b : burst) {
                    if (random.nextInt(4) == 0) {
                        handOff.add(b);             // freed by another worker, a remote free into this page
                    } else {
                        verifyAndFree(b);
                    }
                    progress.incrementAndGet();
                }
                burst.clear();
                for (int i = random.nextInt(64); i > 0; i--) {
                    Block other = handOff.poll();
                    if (other == null) {
                        break;
                    }
                    verifyAndFree(other);
                }
            } catch (RuntimeException e) {
                fail(e instanceof InvalidFreeException ? Failure.REFUSED : Failure.UNEXPECTED, e.toString());
            }
        }
        handOff.addAll(burst);
    }

    // ---------------------------------------------------------------- virtual threads

    private void runVirtualPhase() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(options.virtualThreads());
        // Two threads trim back to back meanwhile: each trim holds the carriers' heaps (when virtual threads use
        // them) against virtual threads entering them and against the other trim, and releases their current pages.
        Thread[] trimmers = startTrimmers("stress-trimmer-", done);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int v = 0; v < options.virtualThreads(); v++) {
                SplittableRandom random = new SplittableRandom(options.seed() * 7_919 + v);
                executor.submit(() -> {
                    try {
                        virtualWork(random);
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
        }
        for (Thread trimmer : trimmers) {
            trimmer.join();
        }
        Map<AllocatorStatistics.HeapStatistics.Kind, Long> kinds = new EnumMap<>(AllocatorStatistics.HeapStatistics.Kind.class);
        allocator.statistics().heapDetails().forEach(h -> kinds.merge(h.kind(), 1L, Long::sum));
        log.accept("stress: heaps after the virtual phase: " + kinds);
    }

    private void virtualWork(SplittableRandom random) {
        List<Block> held = new ArrayList<>();
        try {
            for (int r = 0; r < options.virtualRounds() && !stopped; r++) {
                long size = random.nextInt(8) == 0 ? 8192 + random.nextInt(56 * 1024) : 1 + random.nextInt(512);
                Block b = new Block(allocator.malloc(size), size, random.nextLong() | 1);
                fill(b);
                held.add(b);
                progress.incrementAndGet();
                if (r % 4 == 0) {
                    arenaRound(random);
                } else {
                    Thread.yield();
                }
            }
            for (Block b : held) {
                if (random.nextInt(4) == 0) {
                    handOff.add(b);
                } else {
                    verifyAndFree(b);
                }
                progress.incrementAndGet();
            }
        } catch (RuntimeException e) {
            fail(e instanceof InvalidFreeException ? Failure.REFUSED : Failure.UNEXPECTED, e.toString());
        }
    }

    /**
     * An arena per call, as jextract's bindings use them, parked while open: the virtual threads on a carrier take
     * and give back its heap's spare chunk meanwhile, and trims hold that heap. A segment must come zeroed and keep
     * what its arena wrote until the arena closes.
     */
    private void arenaRound(SplittableRandom random) {
        try (LgArena arena = LgArena.ofConfined(allocator)) {
            long size = 8 * (1 + random.nextInt(16));
            Block first = new Block(arena.allocate(size, 8).address(), size, random.nextLong() | 1);
            checkZero(first);
            fill(first);
            Thread.yield();
            Block second = new Block(arena.allocate(size, 8).address(), size, random.nextLong() | 1);
            checkZero(second);
            fill(second);
            verify(first);
            verify(second);
        }
    }

    // ---------------------------------------------------------------- blocks and their contents

    /** A live block and the tag its pattern is derived from. */
    record Block(long address, long size, long tag) {
    }

    private static long pattern(long tag, long offset) {
        return tag ^ (offset * 0x9E3779B97F4A7C15L);
    }

    /** Visits the offsets of the words that carry a block's pattern: all of a small block, samples of a big one. */
    private static void forEachWord(long size, java.util.function.LongPredicate visitor) {
        if (size <= 4096) {
            for (long off = 0; off + 8 <= size; off += 8) {
                if (!visitor.test(off)) {
                    return;
                }
            }
            return;
        }
        for (long off = 0; off < 256; off += 8) {
            if (!visitor.test(off)) {
                return;
            }
        }
        for (long off = 4096 + 512; off + 8 <= size; off += 4096) {   // one word in every OS page
            if (!visitor.test(off)) {
                return;
            }
        }
        for (long off = (size - 256) & -8L; off + 8 <= size; off += 8) {
            if (!visitor.test(off)) {
                return;
            }
        }
    }

    private static void fill(Block b) {
        forEachWord(b.size(), off -> {
            ALL.set(JAVA_LONG_UNALIGNED, b.address() + off, pattern(b.tag(), off));
            return true;
        });
    }

    private void verify(Block b) {
        forEachWord(b.size(), off -> {
            long v = ALL.get(JAVA_LONG_UNALIGNED, b.address() + off);
            if (v != pattern(b.tag(), off)) {
                fail(Failure.CHANGED, String.format("live block 0x%x (%d bytes) changed at +%d: 0x%x", b.address(),
                        b.size(), off, v));
                return false;
            }
            return true;
        });
    }

    private void checkZero(Block b) {
        forEachWord(b.size(), off -> {
            if (ALL.get(JAVA_LONG_UNALIGNED, b.address() + off) != 0) {
                fail(Failure.NOT_ZERO, String.format("zeroed block (calloc, arena) 0x%x (%d bytes) not zero at +%d",
                        b.address(), b.size(), off));
                return false;
            }
            return true;
        });
    }

    private void verifyAndFree(Block b) {
        verify(b);
        try {
            allocator.free(b.address());
        } catch (InvalidFreeException e) {
            fail(Failure.REFUSED, "free of live block 0x" + Long.toHexString(b.address()) + " (" + b.size()
                    + " bytes) refused: " + e.getMessage());
        }
    }

    private void fail(Failure kind, String example) {
        failures.get(kind).incrementAndGet();
        synchronized (examples) {
            if (examples.size() < MAX_EXAMPLES) {
                examples.add(kind + ": " + example);
            }
        }
    }

    // ---------------------------------------------------------------- watchdog

    /** Logs progress every second; on no progress for {@code hangAfter}, dumps every thread and stops the run. */
    private void watch() {
        long last = progress.get();
        long lastChange = System.nanoTime();
        try {
            while (true) {
                TimeUnit.SECONDS.sleep(1);       // a period, not a wait for a condition: the watchdog samples
                long now = progress.get();
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                    log.accept(String.format("stress: %,d operations, %d failures", now,
                            failures.values().stream().mapToLong(AtomicLong::get).sum()));
                } else if (System.nanoTime() - lastChange > options.hangAfter().toNanos()) {
                    fail(Failure.HUNG, "no operation finished for " + options.hangAfter().toSeconds() + " s at "
                            + now + " operations");
                    log.accept(threadDump());
                    stopped = true;
                    return;
                }
            }
        } catch (InterruptedException e) {
            // the run is over
        }
    }

    /** Every thread's stack, virtual threads included (jcmd's {@code Thread.dump_to_file}). */
    static String threadDump() {
        try {
            Path file = Files.createTempFile("lgmalloc-stress-threads", ".txt");
            Files.delete(file);
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()),
                    "Thread.dump_to_file", "-format=text", file.toString()).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (p.waitFor() == 0 && Files.exists(file)) {
                String dump = Files.readString(file);
                Files.delete(file);
                return "stress: thread dump of the hang\n" + dump;
            }
        } catch (IOException | RuntimeException e) {
            // fall back to the platform threads' stacks
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StringBuilder out = new StringBuilder("stress: platform threads of the hang\n");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            out.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement e : stack) {
                out.append("    at ").append(e).append('\n');
            }
        });
        return out.toString();
    }

    // ---------------------------------------------------------------- command line

    /**
     * {@code Stress [runs] [full|quick]}: runs the stress that many times (each with a fresh allocator and a new
     * seed) and exits with status 1 if any run was not clean.
     */
    public static void main(String[] args) throws InterruptedException {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        boolean full = args.length < 2 || args[1].equals("full");
        long seed = args.length > 2 ? Long.parseLong(args[2]) : System.nanoTime();
        int unclean = 0;
        for (int r = 0; r < runs; r++) {
            Options options = full ? Options.full(seed + r) : Options.quick(seed + r);
            Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
            Result result = run(allocator, options, System.out::println);
            System.out.printf("run %d/%d (seed %d): %s%n", r + 1, runs, seed + r, result);
            if (!result.clean()) {
                unclean++;
            }
            if (result.failures().get(Failure.HUNG) > 0) {
                break;                             // hung threads cannot be stopped; the JVM must go
            }
        }
        System.out.printf("stress: %d of %d runs clean%n", runs - unclean, runs);
        System.exit(unclean == 0 ? 0 : 1);
    }
}
