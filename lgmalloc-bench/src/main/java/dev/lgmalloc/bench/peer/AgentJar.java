package dev.lgmalloc.bench.peer;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds lgmalloc's agent jar for the {@code lgmalloc-plan} peer: {@code -Dlgmalloc.bench.agent=PATH}, else
 * {@code lgmalloc-agent/target/lgmalloc-agent.jar} in the source tree this module was built in.
 */
final class AgentJar {

    static final String PROPERTY = "lgmalloc.bench.agent";
    private static final Path IN_TREE = Path.of("lgmalloc-agent", "target", "lgmalloc-agent.jar");

    private AgentJar() {
    }

    static Optional<Path> find() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null) {
            Path path = Path.of(configured);
            return Files.isRegularFile(path) ? Optional.of(path.toAbsolutePath()) : Optional.empty();
        }
        for (Path dir = codeLocation(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(IN_TREE))) {
                return Optional.of(dir.resolve(IN_TREE).toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    static String unavailableReason() {
        return find().isPresent() ? null
                : "lgmalloc-plan needs lgmalloc's agent jar: build lgmalloc-agent (its target/lgmalloc-agent.jar) or "
                        + "set -D" + PROPERTY + "=PATH";
    }

    /** The jar or classes directory this class was loaded from. */
    private static Path codeLocation() {
        try {
            return Path.of(AgentJar.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
