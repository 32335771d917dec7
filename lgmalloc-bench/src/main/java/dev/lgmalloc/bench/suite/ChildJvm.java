package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.peer.NativeLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What every JVM the suite starts has in common: the same java, the same class path, the static-TLS tunable. */
final class ChildJvm {

    private ChildJvm() {
    }

    /** The java executable of this JVM. */
    static String java() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    /** The class path of this JVM; under Surefire its manifest-only jar is replaced by the real test class path. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** This JVM's {@code -Dlgmalloc.bench.*} settings (library paths, the agent's path), for the JVMs it starts. */
    static List<String> benchProperties() {
        List<String> options = new ArrayList<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("lgmalloc.bench.")) {
                options.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        return options;
    }

    /** Adds the glibc tunable Debian's jemalloc needs to be loaded, keeping any tunables already set. */
    static void allowStaticTls(Map<String, String> environment) {
        String tunables = environment.get("GLIBC_TUNABLES");
        environment.put("GLIBC_TUNABLES", tunables == null || tunables.isEmpty() ? NativeLibrary.STATIC_TLS_TUNABLE
                : tunables + ":" + NativeLibrary.STATIC_TLS_TUNABLE);
    }
}
