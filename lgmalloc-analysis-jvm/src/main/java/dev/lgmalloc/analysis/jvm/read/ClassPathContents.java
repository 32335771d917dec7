package dev.lgmalloc.analysis.jvm.read;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every class read from a classpath (the first of each name wins, as for a class loader), the other copies a
 * multi-release JAR holds of its classes, and what went wrong.
 */
public final class ClassPathContents {

    private final Map<String, ClassSource> byName;
    private final List<ClassSource> otherReleases;
    private final List<String> warnings;
    private final String format;

    ClassPathContents(LinkedHashMap<String, ClassSource> byName, List<ClassSource> otherReleases,
                      List<String> warnings, String format) {
        this.byName = byName;
        this.otherReleases = List.copyOf(otherReleases);
        this.warnings = List.copyOf(warnings);
        this.format = format;
    }

    /** The classes, in classpath order. */
    public Collection<ClassSource> classes() {
        return byName.values();
    }

    /**
     * The copies of classes of a multi-release JAR that the running JDK does not load: the base copy of a class
     * with a versioned one for this release, and versions for other releases. Each has a loaded copy in
     * {@link #classes()} from the same JAR.
     */
    public List<ClassSource> otherReleases() {
        return otherReleases;
    }

    /** The class with that internal name. */
    public Optional<ClassSource> source(String internalName) {
        return Optional.ofNullable(byName.get(internalName));
    }

    /** The bytes of the class with that internal name. */
    public Optional<byte[]> bytesOf(String internalName) {
        ClassSource s = byName.get(internalName);
        return s == null ? Optional.empty() : Optional.of(s.bytes());
    }

    /** Problems that did not stop reading: unreadable entries, missing Class-Path entries. */
    public List<String> warnings() {
        return warnings;
    }

    /** What was read, e.g. {@code JAR}, {@code class directory}, {@code classpath of 3 entries}. */
    public String format() {
        return format;
    }
}
