package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The allocator a peer benchmark measures, one per JMH fork (JMH forks per parameter value, so each native
 * allocator gets a JVM of its own). An allocator whose library is absent fails its setup with the reason, and
 * JMH goes on with the next one. Netty is measured through its own API in {@link NettyBenchmark} instead.
 */
@State(Scope.Benchmark)
public class PeerState {

    @Param({"lgmalloc", "glibc", "glibc-critical", "jemalloc", "jemalloc-critical", "mimalloc", "mimalloc-critical",
        "tcmalloc", "tcmalloc-critical", "arena-confined", "arena-shared"})
    public String peer;

    PeerAllocator allocator;

    @Setup(Level.Trial)
    public void create() {
        allocator = Peers.create(peer);
        allocator.free(allocator.malloc(64));
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
    }
}
