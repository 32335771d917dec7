package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A growing buffer, as a serializer or a log writer keeps one: start at 256 KiB and double with {@code realloc}
 * up to {@code maxMiB}, writing one byte per 4 KiB page of every new half (so the memory is real), then free it;
 * and one that starts at 16 bytes ({@link #growFromSmall}).
 * An allocator that copies on every growth moves about {@code maxMiB} bytes in all; one that remaps the pages
 * ({@code mremap}) moves none.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class PeerReallocBenchmark {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long START = 256 * 1024;
    private static final long OS_PAGE = 4096;

    @Param({"64"})
    public long maxMiB;

    private PeerAllocator allocator;

    @Setup(Level.Trial)
    public void bind(PeerState state) {
        allocator = state.allocator;
    }

    @Benchmark
    public long growByDoubling() {
        long size = START;
        long buffer = allocator.malloc(size);
        touch(buffer, 0, size);
        long checksum = 0;
        while (size < maxMiB << 20) {
            long grown = size * 2;
            buffer = allocator.realloc(buffer, grown);
            checksum += ALL.get(ValueLayout.JAVA_BYTE, buffer + size - OS_PAGE);   // the old contents came along
            touch(buffer, size, grown);
            size = grown;
        }
        allocator.free(buffer);
        return checksum;
    }

    /**
     * The same growth from 16 bytes to 1 MiB, as a buffer that starts small does: through the size classes, the
     * extents and the large blocks, where each step either grows in place or moves and copies.
     */
    @Benchmark
    public long growFromSmall() {
        long size = 16;
        long buffer = allocator.malloc(size);
        ALL.set(ValueLayout.JAVA_BYTE, buffer, (byte) 1);
        long checksum = 0;
        while (size < 1L << 20) {
            long grown = size * 2;
            buffer = allocator.realloc(buffer, grown);
            checksum += ALL.get(ValueLayout.JAVA_BYTE, buffer);                        // the old contents came along
            touch(buffer, size, grown);
            size = grown;
        }
        allocator.free(buffer);
        return checksum;
    }

    private static void touch(long buffer, long from, long to) {
        for (long offset = from; offset < to; offset += OS_PAGE) {
            ALL.set(ValueLayout.JAVA_BYTE, buffer + offset, (byte) 1);
        }
    }
}
