package dev.lgmalloc.bench.workload;

import java.util.List;
import java.util.Optional;

/** The suite's workloads in the order the tables show them. */
public final class Workloads {

    private static final List<Workload> ALL = List.of(new Larson(), new XmallocTest(), new Mstress(),
            new SmartHeapBench(false), new SmartHeapBench(true), new CacheScratch(), new AllocTest(), new RpTest(),
            new GlibcSimple(), new GlibcThread(), new Footprint(), new ThreadOverhead());

    private Workloads() {
    }

    public static List<Workload> all() {
        return ALL;
    }

    public static List<String> names() {
        return ALL.stream().map(Workload::name).toList();
    }

    public static Optional<Workload> byName(String name) {
        return ALL.stream().filter(w -> w.name().equals(name)).findFirst();
    }
}
