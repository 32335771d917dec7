import dev.lgmalloc.analysis.jvm.JvmAnalysis;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import dev.lgmalloc.analysis.jvm.World;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Times whole-classpath analyses in one JVM: the first run is cold (class loading, bytecode interpreter), the
 * others warm. Per run it prints the wall time, the CPU time of the analysing thread (what a loaded machine
 * disturbs least: the other cores' load does not count), the whole process's CPU time (reading threads, JIT, GC
 * included), the collectors' time and the analysing thread's allocation, so that runs of two builds can be
 * compared on a shared machine.
 *
 * <p>Usage: {@code java -cp <analyser classpath>:<this class> MeasureAnalysis [--runs N] [--closed-world]
 * INPUT...}; {@code scripts/measure-jvm-analysis} compiles it, alternates builds and summarises.
 */
public final class MeasureAnalysis {

    public static void main(String[] args) throws Exception {
        int runs = 6;
        World world = World.OPEN;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--closed-world" -> world = World.CLOSED;
                default -> inputs.add(Path.of(args[i]));
            }
        }
        if (inputs.isEmpty()) {
            inputs.add(Path.of("jrt:/java.base"));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int run = 0; run < runs; run++) {
            long gc0 = collectorMillis();
            long process0 = os.getProcessCpuTime();
            long allocated0 = threads.getCurrentThreadAllocatedBytes();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            JvmAnalysis analysis = JvmAnalyzer.analyzeDetailed(inputs, 0.9, world);
            long wall = System.nanoTime() - wall0;
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long process = os.getProcessCpuTime() - process0;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocated0;
            long gc = collectorMillis() - gc0;
            long known = analysis.result().sites().stream().filter(s -> s.sizes().isKnown()).count();
            System.out.printf("%s wall_ms=%d thread_cpu_ms=%d process_cpu_ms=%d gc_ms=%d thread_alloc_mb=%d sites=%d known=%d%n",
                    run == 0 ? "cold" : "warm", wall / 1_000_000, cpu / 1_000_000, process / 1_000_000, gc,
                    allocated >> 20,
                    analysis.result().sites().size(), known);
        }
    }

    private static long collectorMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
