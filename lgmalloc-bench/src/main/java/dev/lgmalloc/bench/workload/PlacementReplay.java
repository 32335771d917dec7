package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Whether where an allocator puts blocks, not its own code, is what makes a port faster or slower on it. One thread
 * runs a port's loop once per allocator, with the same frees and sizes for each, and records the addresses it gets.
 * Then only the port's memory accesses (the check of a block before its free, the fill of a new one) are replayed
 * on those addresses, copied into one private mapping with their layout kept, the allocators' traces in turn. The
 * replay calls no allocator: equal times say the allocators' placements cost the workload the same, and a gap in
 * the port is their code's.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp lgmalloc-benchmarks.jar
 *     dev.lgmalloc.bench.workload.PlacementReplay SHAPE OPERATIONS ALLOCATOR...</pre>
 *
 * <p>SHAPE is a port with a replacement loop ({@code larson}, {@code alloc-test}, {@code glibc-thread}: free a
 * random slot's block, allocate a new size into it) or {@code rptest}'s batches on one thread (allocate a batch,
 * replace random blocks of it, free it last block first); at most one native allocator per run, since each runs in
 * a JVM of its own. It also prints how each allocator reuses memory: how many operations after its free a block's
 * address comes back.
 */
public final class PlacementReplay {

    /** A port's loop on one thread: its slots, its sizes, and how it goes through the slots. */
    enum Shape {
        LARSON("larson", Larson.blocks(false), Larson::size, false),
        ALLOC_TEST("alloc-test", AllocTest.slots(false), AllocTest::size, false),
        GLIBC_THREAD("glibc-thread", GlibcThread.WORKING_SET, GlibcThread::size, false),
        RPTEST("rptest", RpTest.ALLOCATIONS, RpTest::size, true);

        final String port;
        final int slots;
        final ToLongFunction<SplittableRandom> size;
        /** Batches ({@link RpTest}) rather than a working set whose blocks are replaced one at a time. */
        final boolean batches;

        Shape(String port, int slots, ToLongFunction<SplittableRandom> size, boolean batches) {
            this.port = port;
            this.slots = slots;
            this.size = size;
            this.batches = batches;
        }

        static Shape of(String port) {
            return Arrays.stream(values()).filter(s -> s.port.equals(port)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("no loop to replay named " + port + "; one of "
                            + Arrays.stream(values()).map(s -> s.port).toList()));
        }
    }

    /** Where the largest block of any shape may end beyond its start: a mapping covers it whole. */
    private static final long LARGEST = 32 * 1024;
    /** The granule in which addresses are copied into the replay's mapping, aligned as they were. */
    private static final int REGION_SHIFT = 22;

    /**
     * What one allocator handed out, as operations on slots: each frees the slot's block, if it holds one, then
     * puts the block at {@code address} of {@code size} bytes there (none when the address is 0). The operations
     * before {@code timedFrom} (a working set's first blocks) are replayed before the clock starts.
     */
    record Trace(String allocator, int slots, int timedFrom, int[] slot, long[] address, long[] size) {

        /** The timed operations. */
        int operations() {
            return slot.length - timedFrom;
        }
    }

    /** A trace as it is recorded. */
    private static final class Recorder {
        final PeerAllocator allocator;
        final long[] current;
        final int[] slot;
        final long[] address;
        final long[] size;
        int count;

        Recorder(PeerAllocator allocator, int slots, int capacity) {
            this.allocator = allocator;
            this.current = new long[slots];
            this.slot = new int[capacity];
            this.address = new long[capacity];
            this.size = new long[capacity];
        }

        /** Frees slot {@code k}'s block, if any, then allocates {@code bytes} into it (none when 0). */
        void operate(int k, long bytes) {
            if (current[k] != 0) {
                allocator.free(current[k]);
            }
            long block = 0;
            if (bytes > 0) {
                block = allocator.malloc(bytes);
                Blocks.fill(block, bytes, count);
            }
            current[k] = block;
            slot[count] = k;
            address[count] = block;
            size[count] = bytes;
            count++;
        }
    }

    private PlacementReplay() {
    }

    /**
     * Runs the loop on {@code allocator}: the same frees and sizes for every allocator (a fixed seed). A replacement
     * loop records its working set, then {@code operations} replacements; batches record whole loops up to at least
     * {@code operations}.
     */
    static Trace record(PeerAllocator allocator, Shape shape, int operations) {
        SplittableRandom random = new SplittableRandom(4141);
        int perLoop = 2 * RpTest.ALLOCATIONS + RpTest.OPERATIONS;
        int timedFrom = shape.batches ? 0 : shape.slots;
        int capacity = shape.batches ? (operations + perLoop - 1) / perLoop * perLoop : timedFrom + operations;
        Recorder recorder = new Recorder(allocator, shape.slots, capacity);
        if (shape.batches) {
            while (recorder.count < capacity) {
                for (int i = 0; i < shape.slots; i++) {
                    recorder.operate(i, shape.size.applyAsLong(random));
                }
                for (int op = 0; op < RpTest.OPERATIONS; op++) {
                    recorder.operate(random.nextInt(shape.slots), shape.size.applyAsLong(random));
                }
                for (int i = shape.slots - 1; i >= 0; i--) {
                    recorder.operate(i, 0);
                }
            }
        } else {
            for (int i = 0; i < shape.slots; i++) {
                recorder.operate(i, shape.size.applyAsLong(random));
            }
            for (int op = 0; op < operations; op++) {
                recorder.operate(random.nextInt(shape.slots), shape.size.applyAsLong(random));
            }
        }
        for (long block : recorder.current) {
            if (block != 0) {
                allocator.free(block);
            }
        }
        return new Trace(allocator.name(), shape.slots, timedFrom, recorder.slot, recorder.address, recorder.size);
    }

    /**
     * The trace with every address moved into {@code arena}'s memory: each run of 4 MiB regions the blocks touch
     * goes to a run of its own, in address order, so offsets within a region (and so cache sets and OS pages) stay
     * what the allocator made them.
     */
    static Trace copyInto(Trace trace, Arena arena) {
        TreeSet<Long> regions = new TreeSet<>();
        for (long block : trace.address()) {
            if (block != 0) {
                for (long r = block >>> REGION_SHIFT; r <= (block + LARGEST) >>> REGION_SHIFT; r++) {
                    regions.add(r);
                }
            }
        }
        MemorySegment memory = arena.allocate((long) regions.size() << REGION_SHIFT, 1L << REGION_SHIFT);
        Map<Long, Long> moved = new HashMap<>();
        long next = memory.address();
        for (long region : regions) {
            moved.put(region, next - (region << REGION_SHIFT));
            next += 1L << REGION_SHIFT;
        }
        long[] address = Arrays.stream(trace.address())
                .map(a -> a == 0 ? 0 : a + moved.get(a >>> REGION_SHIFT)).toArray();
        return new Trace(trace.allocator(), trace.slots(), trace.timedFrom(), trace.slot(), address, trace.size());
    }

    /**
     * The port's memory accesses on the trace's addresses: per operation, the check of the replaced block and the
     * fill of the new one. Returns nanoseconds per operation.
     *
     * @throws IllegalStateException if a block did not hold what was written into it (blocks of the trace overlap)
     */
    static double replay(Trace trace) {
        Slots slots = new Slots(trace.slots());
        int overwritten = replay(trace, 0, trace.timedFrom(), slots);
        long start = System.nanoTime();
        overwritten += replay(trace, trace.timedFrom(), trace.slot().length, slots);
        long nanos = System.nanoTime() - start;
        if (overwritten != 0) {
            throw new IllegalStateException(trace.allocator() + "'s trace: " + overwritten + " blocks overwritten");
        }
        return (double) nanos / trace.operations();
    }

    /** Replays operations {@code from} to {@code to} on the slots' blocks; returns how many checks failed. */
    private static int replay(Trace trace, int from, int to, Slots slots) {
        int overwritten = 0;
        for (int op = from; op < to; op++) {
            int k = trace.slot()[op];
            if (slots.address[k] != 0 && !Blocks.holds(slots.address[k], slots.size[k], slots.token[k])) {
                overwritten++;
            }
            slots.address[k] = trace.address()[op];
            slots.size[k] = trace.size()[op];
            slots.token[k] = op;
            if (slots.address[k] != 0) {
                Blocks.fill(slots.address[k], slots.size[k], op);
            }
        }
        return overwritten;
    }

    /**
     * How the trace reuses memory: the share of blocks at an address freed before, and how many operations after
     * that free they came back (10th, 50th and 90th percentiles).
     */
    static String reuse(Trace trace) {
        Map<Long, Integer> freedAt = new HashMap<>();
        long[] current = new long[trace.slots()];
        long[] distances = new long[trace.operations()];
        int allocations = 0;
        int reused = 0;
        for (int op = 0; op < trace.slot().length; op++) {
            int k = trace.slot()[op];
            long block = trace.address()[op];
            if (current[k] != 0) {
                freedAt.put(current[k], op);
            }
            if (block != 0 && op >= trace.timedFrom()) {
                allocations++;
                Integer freed = freedAt.remove(block);
                if (freed != null) {
                    distances[reused++] = op - freed;
                }
            }
            current[k] = block;
        }
        long[] sorted = Arrays.copyOf(distances, reused);
        Arrays.sort(sorted);
        return reused == 0 ? "no address reused" : String.format(Locale.ROOT,
                "%.1f%% of blocks at a freed address, back after %d / %d / %d operations (10th / 50th / 90th "
                        + "percentile)", 100.0 * reused / allocations, sorted[reused / 10],
                sorted[reused / 2], sorted[reused * 9 / 10]);
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: PlacementReplay SHAPE OPERATIONS ALLOCATOR...; SHAPE one of "
                    + Arrays.stream(Shape.values()).map(s -> s.port).toList());
            System.exit(2);
        }
        Shape shape = Shape.of(args[0]);
        int operations = Integer.parseInt(args[1]);
        List<Trace> traces = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (String name : Arrays.asList(args).subList(2, args.length)) {
                Trace trace = record(Peers.create(name), shape, operations);
                System.out.println(name + ": " + reuse(trace));
                traces.add(copyInto(trace, arena));
            }
            int rounds = 6;
            double[][] nanos = new double[traces.size()][rounds];
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("round " + (round + 1) + ", ns per operation:");
                for (int t = 0; t < traces.size(); t++) {
                    nanos[t][round] = replay(traces.get(t));
                    line.append(String.format(Locale.ROOT, "  %s %.2f", traces.get(t).allocator(), nanos[t][round]));
                }
                System.out.println(line);
            }
            double first = median(nanos[0]);
            for (int t = 0; t < traces.size(); t++) {
                System.out.printf(Locale.ROOT, "%s: median %.2f ns per operation, %.3f of %s's%n",
                        traces.get(t).allocator(), median(nanos[t]), median(nanos[t]) / first,
                        traces.get(0).allocator());
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    }
}
