package dev.lgmalloc;

import java.util.Locale;

/**
 * A scope for tests that fails when blocks allocated inside it are still live at its end, like Arrow's
 * allocator refusing to close with outstanding buffers:
 * <pre>{@code
 * try (LeakCheck check = LeakCheck.of(allocator)) {
 *     codeUnderTest(allocator);
 * }   // throws IllegalStateException if codeUnderTest leaked
 * }</pre>
 * It compares the allocator's live-block count at the start and the end, so other threads must not allocate
 * from the same allocator meanwhile. With {@code -Dlgmalloc.leakDetection=full} the message lists the call sites.
 */
public final class LeakCheck implements AutoCloseable {

    private final Allocator allocator;
    private final long liveBlocksAtStart;
    private final long liveBytesAtStart;

    private LeakCheck(Allocator allocator) {
        this.allocator = allocator;
        AllocatorStatistics s = allocator.statistics();
        this.liveBlocksAtStart = s.liveBlocks();
        this.liveBytesAtStart = s.liveBytes();
    }

    /** Starts a scope on {@code allocator}. */
    public static LeakCheck of(Allocator allocator) {
        return new LeakCheck(allocator);
    }

    /** Starts a scope on the process-wide allocator. */
    public static LeakCheck ofGlobal() {
        return new LeakCheck(LgMalloc.allocator());
    }

    /** Blocks allocated since the start and not freed. */
    public long leakedBlocks() {
        return allocator.statistics().liveBlocks() - liveBlocksAtStart;
    }

    /**
     * Ends the scope.
     *
     * @throws IllegalStateException if blocks allocated in the scope are still live
     */
    @Override
    public void close() {
        AllocatorStatistics s = allocator.statistics();
        long blocks = s.liveBlocks() - liveBlocksAtStart;
        if (blocks > 0) {
            String sites = LeakDetector.format();
            throw new IllegalStateException(String.format(Locale.ROOT, "%d blocks (%d bytes) allocated in this scope"
                    + " are still live%s", blocks, s.liveBytes() - liveBytesAtStart,
                    sites.isEmpty() ? "; run with -Dlgmalloc.leakDetection=full to see where they were allocated"
                            : "\n" + sites));
        }
    }
}
