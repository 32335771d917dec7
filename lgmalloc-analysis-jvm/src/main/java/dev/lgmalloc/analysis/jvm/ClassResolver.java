package dev.lgmalloc.analysis.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the bytes of other classes by internal name, so the analyser can read their static final fields and
 * see their methods' callers (nest members). It must not load or initialise classes.
 */
@FunctionalInterface
public interface ClassResolver {

    /** The class file of {@code internalName} (e.g. {@code demo/Main}), or empty when it cannot be found. */
    Optional<byte[]> classBytes(String internalName);

    /** A resolver that finds nothing: only the analysed class's own facts are used. */
    static ClassResolver none() {
        return name -> Optional.empty();
    }

    /** A resolver over fixed class files, keyed by internal name. */
    static ClassResolver of(Map<String, byte[]> classes) {
        Map<String, byte[]> copy = Map.copyOf(classes);
        return name -> Optional.ofNullable(copy.get(name));
    }

    /**
     * A resolver that reads class files as resources of {@code loader} (the system loader when null), the way
     * a {@link java.lang.instrument.ClassFileTransformer} can see the classes of the loader that is defining a
     * class without loading them.
     */
    static ClassResolver ofResources(ClassLoader loader) {
        ClassLoader effective = loader != null ? loader : ClassLoader.getSystemClassLoader();
        return name -> {
            try (InputStream in = effective.getResourceAsStream(name + ".class")) {
                return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
            } catch (IOException e) {
                return Optional.empty();
            }
        };
    }
}
