package dev.lgmalloc.analysis;

import java.util.Objects;

/**
 * A call instruction in a JVM method.
 *
 * @param className        internal name of the class, e.g. {@code demo/Main}
 * @param methodName       the method's name
 * @param methodDescriptor the method's descriptor, e.g. {@code (I)V}
 * @param bci              bytecode index of the invoke instruction
 * @param line             source line, or -1 when the class has no line numbers
 * @param source           the class file or JAR entry the class was read from
 */
public record JvmSiteLocation(String className, String methodName, String methodDescriptor, int bci, int line,
                             SourceFile source) implements SiteLocation {

    public JvmSiteLocation {
        Objects.requireNonNull(source, "source");
    }

    /** A site whose class file is not known (a class as a class loader hands it over, a cached plan). */
    public JvmSiteLocation(String className, String methodName, String methodDescriptor, int bci, int line) {
        this(className, methodName, methodDescriptor, bci, line, SourceFile.UNKNOWN);
    }

    /** The same site, read from {@code source}. */
    public JvmSiteLocation from(SourceFile source) {
        return new JvmSiteLocation(className, methodName, methodDescriptor, bci, line, source);
    }

    @Override
    public String describe() {
        return className + "." + methodName + methodDescriptor + " @" + bci + (line >= 0 ? " line " + line : "");
    }
}
