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
 * Whether where an allocator puts blocks, not its own code, is what makes a replacement port faster or slower on
 * it. One thread runs a port's loop (free a random slot's block, allocate a new size into it) once per allocator,
 * the same frees and sizes for each, and records the addresses it gets. Then only the port's memory accesses (the
 * check of the freed block, the fill of the new one) are replayed on those addresses, copied into one private
 * mapping with their layout kept, the allocators' traces in turn. The replay calls no allocator: equal times say
 * the allocators' placements cost the workload the same, and a gap in the port is their code's.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp lgmalloc-benchmarks.jar
 *     dev.lgmalloc.bench.workload.PlacementReplay SHAPE OPERATIONS ALLOCATOR...</pre>
 *
 * <p>SHAPE is a port with a replacement loop ({@code larson}, {@code alloc-test}, {@code glibc-thread}); at most one
 * native allocator per run, since each runs in a JVM of its own. It also prints how each allocator reuses memory:
 * how many operations after its free a block's address comes back.
 */
public final class PlacementReplay {

    /** A port's replacement loop: its working set and its sizes. */
    enum Shape {
        LARSON("larson", Larson.blocks(false), Larson::size),
        ALLOC_TEST("alloc-test", AllocTest.slots(false), AllocTest::size),
        GLIBC_THREAD("glibc-thread", GlibcThread.WORKING_SET, GlibcThread::size);

        final String port;
        final int slots;
        final ToLongFunction<SplittableRandom> size;

        Shape(String port, int slots, ToLongFunction<SplittableRandom> size) {
            this.port = port;
            this.slots = slots;
            this.size = size;
        }

        static Shape of(String port) {
            return Arrays.stream(values()).filter(s -> s.port.equals(port)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("no replacement loop named " + port + "; one of "
                            + Arrays.stream(values()).map(s -> s.port).toList()));
        }
    }

    /** Where the largest block of any shape may end beyond its start: a mapping covers it whole. */
    private static final long LARGEST = 32 * 1024;
    /** The granule in which addresses are copied into the replay's mapping, aligned as they were. */
    private static final int REGION_SHIFT = 22;

    /**
     * What one allocator handed out: the working set's first blocks, then per operation the slot replaced and the
     * new block's address and size.
     */
    record Trace(String allocator, long[] initial, long[] initialSize, int[] slot, long[] address, long[] size) {

        int operations() {
            return slot.length;
        }
    }

    private PlacementReplay() {
    }

    /** Runs the loop on {@code allocator}: the same frees and sizes for every allocator (a fixed seed). */
    static Trace record(PeerAllocator allocator, Shape shape, int operations) {
        SplittableRandom random = new SplittableRandom(4141);
        long[] initial = new long[shape.slots];
        long[] initialSize = new long[shape.slots];
        long[] current = new long[shape.slots];
        long[] currentSize = new long[shape.slots];
        for (int i = 0; i < shape.slots; i++) {
            long size = shape.size.applyAsLong(random);
            long block = allocator.malloc(size);
            Blocks.fill(block, size, i);
            initial[i] = current[i] = block;
            initialSize[i] = currentSize[i] = size;
        }
        int[] slot = new int[operations];
        long[] address = new long[operations];
        long[] size = new long[operations];
        for (int op = 0; op < operations; op++) {
            int k = random.nextInt(shape.slots);
            allocator.free(current[k]);
            long bytes = shape.size.applyAsLong(random);
            long block = allocator.malloc(bytes);
            Blocks.fill(block, bytes, op);
            slot[op] = k;
            address[op] = current[k] = block;
            size[op] = currentSize[k] = bytes;
        }
        for (long block : current) {
            allocator.free(block);
        }
        return new Trace(allocator.name(), initial, initialSize, slot, address, size);
    }

    /**
     * The trace with every address moved into {@code arena}'s memory: each run of 4 MiB regions the blocks touch
     * goes to a run of its own, in address order, so offsets within a region (and so cache sets and OS pages) stay
     * what the allocator made them.
     */
    static Trace copyInto(Trace trace, Arena arena) {
        TreeSet<Long> regions = new TreeSet<>();
        for (long[] blocks : List.of(trace.initial(), trace.address())) {
            for (long block : blocks) {
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
        ToLongFunction<Long> move = a -> a + moved.get(a >>> REGION_SHIFT);
        return new Trace(trace.allocator(), Arrays.stream(trace.initial()).map(move::applyAsLong).toArray(),
                trace.initialSize(), trace.slot(), Arrays.stream(trace.address()).map(move::applyAsLong).toArray(),
                trace.size());
    }

    /**
     * The port's memory accesses on the trace's addresses: per operation, the check of the replaced block and the
     * fill of the new one. Returns nanoseconds per operation.
     *
     * @throws IllegalStateException if a block did not hold what was written into it (blocks of the trace overlap)
     */
    static double replay(Trace trace) {
        long[] block = trace.initial().clone();
        long[] size = trace.initialSize().clone();
        long[] token = new long[block.length];
        for (int i = 0; i < block.length; i++) {
            token[i] = i;
            Blocks.fill(block[i], size[i], i);
        }
        int overwritten = 0;
        long start = System.nanoTime();
        for (int op = 0; op < trace.operations(); op++) {
            int k = trace.slot()[op];
            if (!Blocks.holds(block[k], size[k], token[k])) {
                overwritten++;
            }
            block[k] = trace.address()[op];
            size[k] = trace.size()[op];
            token[k] = op;
            Blocks.fill(block[k], size[k], op);
        }
        long nanos = System.nanoTime() - start;
        if (overwritten != 0) {
            throw new IllegalStateException(trace.allocator() + "'s trace: " + overwritten + " blocks overwritten");
        }
        return (double) nanos / trace.operations();
    }

    /**
     * How the trace reuses memory: the share of blocks at an address freed before, and how many operations after
     * that free they came back (10th, 50th and 90th percentiles).
     */
    static String reuse(Trace trace) {
        Map<Long, Integer> freedAt = new HashMap<>();
        long[] current = trace.initial().clone();
        long[] distances = new long[trace.operations()];
        int reused = 0;
        for (int op = 0; op < trace.operations(); op++) {
            int k = trace.slot()[op];
            freedAt.put(current[k], op);
            Integer freed = freedAt.remove(trace.address()[op]);
            if (freed != null) {
                distances[reused++] = op - freed;
            }
            current[k] = trace.address()[op];
        }
        long[] sorted = Arrays.copyOf(distances, reused);
        Arrays.sort(sorted);
        return reused == 0 ? "no address reused" : String.format(Locale.ROOT,
                "%.1f%% of blocks at a freed address, back after %d / %d / %d operations (10th / 50th / 90th "
                        + "percentile)", 100.0 * reused / trace.operations(), sorted[reused / 10],
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
