package dev.lgmalloc.cli;

import dev.lgmalloc.commandline.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;

/**
 * The programs lgmalloc.jar carries as resources rather than on its class path: the demo workload and the
 * benchmarks (with Netty, JMH and the native peers). They run in JVMs of their own, so lgmalloc.jar holds only
 * lgmalloc's classes and stays usable as an agent without bringing any library onto an application's class path.
 */
final class EmbeddedJars {

    static final String DEMO = "lgmalloc-demo.jar";
    static final String BENCHMARKS = "lgmalloc-benchmarks.jar";

    private EmbeddedJars() {
    }

    /** Copies the embedded {@code name} into {@code dir} and returns its path. */
    static Path extract(String name, Path dir) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = EmbeddedJars.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from lgmalloc.jar; rebuild it");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** lgmalloc.jar itself: an agent, and lgmalloc's classes for the programs it starts. */
    static Path self() {
        try {
            Path location = Path.of(EmbeddedJars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(location)) {
                throw new UsageException("run it from lgmalloc.jar (./lgmalloc), not from classes");
            }
            return location;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate lgmalloc.jar", e);
        }
    }

    /** The {@code java} of the running JDK. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
