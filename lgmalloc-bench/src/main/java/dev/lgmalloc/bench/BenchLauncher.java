package dev.lgmalloc.bench;

import dev.lgmalloc.bench.peer.NativeLibrary;
import dev.lgmalloc.bench.prediction.PredictionMemory;
import dev.lgmalloc.bench.suite.SuiteMain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark jar's entry point: {@code suite [options]} runs the allocator suite ({@link SuiteMain});
 * {@code prediction-memory [--quick]} the memory half of prediction on and off ({@link PredictionMemory}); anything
 * else goes to JMH. Debian's jemalloc can only be loaded into a JVM whose environment reserves extra static TLS,
 * and JMH's forks inherit the environment, so when it is missing this re-launches the JVM with it set.
 */
public final class BenchLauncher {

    static final String TUNABLES = "GLIBC_TUNABLES";

    private BenchLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("suite")) {
            System.exit(SuiteMain.run(List.of(args).subList(1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("prediction-memory")) {
            System.exit(PredictionMemory.run(List.of(args).subList(1, args.length), System.out, System.err));
        }
        String tunables = System.getenv(TUNABLES);
        if (tunables == null || !tunables.contains("optional_static_tls")) {
            System.exit(relaunchWithStaticTls(args, tunables));
        }
        org.openjdk.jmh.Main.main(args);
    }

    private static int relaunchWithStaticTls(String[] args, String tunables) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + "/bin/java"));
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(org.openjdk.jmh.Main.class.getName());
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(TUNABLES, tunables == null || tunables.isEmpty()
                ? NativeLibrary.STATIC_TLS_TUNABLE : tunables + ":" + NativeLibrary.STATIC_TLS_TUNABLE);
        return builder.start().waitFor();
    }
}
