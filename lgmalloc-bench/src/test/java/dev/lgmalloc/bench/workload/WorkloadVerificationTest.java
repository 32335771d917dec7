package dev.lgmalloc.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lgmalloc.bench.peer.PeerAllocator;
import dev.lgmalloc.bench.peer.Peers;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each workload, run in this JVM at quick scale: it verifies with a correct allocator and fails a broken one. */
class WorkloadVerificationTest {

    static Stream<Workload> workloads() {
        return Workloads.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void passesWithLgmalloc(Workload workload) throws InterruptedException {
        PeerAllocator lgmalloc = Peers.create("lgmalloc");
        WorkloadContext context = new WorkloadContext(lgmalloc, 2, true, 7);
        long operations = workload.run(context);
        Verification verification = context.verification();
        assertTrue(verification.passed(), verification.summary());
        assertTrue(operations > 0 && verification.blocks() > 0);
        assertEquals(0, context.liveBytesRacy(), "everything allocated was freed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void catchesAnAllocatorThatHandsOutABlockTwice(Workload workload) throws InterruptedException {
        try (BrokenAllocator broken = new BrokenAllocator()) {
            WorkloadContext context = new WorkloadContext(broken, 2, true, 7);
            workload.run(context);
            Verification verification = context.verification();
            assertFalse(verification.passed(), "a broken allocator must not verify");
            assertTrue(verification.firstProblem().contains("overwritten")
                    || verification.firstProblem().contains("lost"), verification.firstProblem());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workloads")
    void describesItsParametersAndOrigin(Workload workload) {
        assertFalse(workload.origin().isBlank());
        assertTrue(workload.parameters(2, false).length() > 10);
        assertTrue(!workload.parameters(2, true).equals(workload.parameters(2, false)),
                "quick mode uses smaller parameters");
    }
}
