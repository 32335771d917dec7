package dev.lgmalloc.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JmhResultTest {

    private static final List<String> CSV = List.of(
            "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\","
                    + "\"Param: config\",\"Param: peer\",\"Param: size\"",
            "\"dev.lgmalloc.bench.PeerPairBenchmark.pair\",\"avgt\",1,6,2.000000,0.100000,\"ns/op\",,lgmalloc,64",
            "\"dev.lgmalloc.bench.PeerPairBenchmark.pair\",\"avgt\",1,6,5.400000,0.200000,\"ns/op\",,"
                    + "jemalloc-critical,64",
            "\"dev.lgmalloc.bench.PeerPairBenchmark.pair\",\"avgt\",1,6,4.800000,0.200000,\"ns/op\",,"
                    + "tcmalloc-critical,64",
            "\"dev.lgmalloc.bench.PeerPairBenchmark.pair\",\"avgt\",1,6,3.000000,0.200000,\"ns/op\",,glibc,64",
            "\"dev.lgmalloc.bench.NettyBenchmark.pair\",\"avgt\",2,1,90.5,NaN,\"ns/op\",adaptive,N/A,64",
            "\"dev.lgmalloc.bench.PeerProducerConsumerBenchmark.producerConsumer:pairs\",\"thrpt\",2,6,70.0,"
                    + "3.0,\"ops/us\",,lgmalloc,",
            "\"dev.lgmalloc.bench.PeerProducerConsumerBenchmark.producerConsumer:pairs\",\"thrpt\",2,6,31.0,"
                    + "3.0,\"ops/us\",,jemalloc-critical,");

    @Test
    void parsesJmhCsvWithTheParametersThatApply() {
        List<JmhResult> rows = JmhResult.parseCsv("t1", CSV);
        assertEquals(7, rows.size());
        JmhResult first = rows.get(0);
        assertEquals("PeerPairBenchmark.pair", first.benchmark());
        assertEquals(Map.of("peer", "lgmalloc", "size", "64"), first.params());
        assertEquals("lgmalloc", first.allocator());
        assertEquals(0.1, first.error(), 1e-9);
        JmhResult netty = rows.get(4);
        assertEquals("netty-adaptive", netty.allocator());
        assertTrue(Double.isNaN(netty.error()));
        assertEquals(2, netty.threads());
    }

    @Test
    void splitsQuotedFields() {
        assertEquals(List.of("a,b", "c\"d", "", "e"), JmhResult.fields("\"a,b\",\"c\"\"d\",,e"));
    }

    @Test
    void goalsCompareLgmallocWithTheBestPeerOfTheSameRun() {
        SuiteResults results = new SuiteResults(SuiteCommand.parse(List.of("--out", Path.of("x").toString())),
                new MachineInfo("cpu", 2, "1 kB", "os", "jdk", "2026-01-01T00:00:00Z"));
        results.addJmh(JmhResult.parseCsv("t1", CSV));
        List<Goals.Goal> goals = new Goals(results).evaluate();
        // 4.8 ns (tcmalloc-critical, the fastest critical peer; glibc is not critical) / 2.0 ns = 2.4x < 2.5x
        assertEquals(false, goals.get(0).met(), goals.get(0).measured());
        assertTrue(goals.get(0).measured().contains("tcmalloc-critical 4.80 ns: 2.40x"), goals.get(0).measured());
        // 70 / 31 = 2.26x >= 2x
        assertEquals(true, goals.get(1).met(), goals.get(1).measured());
        assertEquals(null, goals.get(2).met());
        assertEquals(null, goals.get(3).met());
    }

    @Test
    void quickModeNeverClaimsAGoal() {
        SuiteResults results = new SuiteResults(SuiteCommand.parse(List.of("--quick")),
                new MachineInfo("cpu", 2, "1 kB", "os", "jdk", "2026-01-01T00:00:00Z"));
        results.addJmh(JmhResult.parseCsv("t1", CSV));
        for (Goals.Goal goal : new Goals(results).evaluate()) {
            assertEquals(null, goal.met(), goal.goal());
            assertTrue(goal.measured().startsWith("quick mode"), goal.measured());
        }
    }
}
