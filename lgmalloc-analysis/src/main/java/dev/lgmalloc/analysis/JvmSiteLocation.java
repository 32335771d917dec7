package dev.lgmalloc.analysis;

/**
 * A call instruction in a JVM method.
 *
 * @param className        internal name of the class, e.g. {@code demo/Main}
 * @param methodName       the method's name
 * @param methodDescriptor the method's descriptor, e.g. {@code (I)V}
 * @param bci              bytecode index of the invoke instruction
 * @param line             source line, or -1 when the class has no line numbers
 */
public record JvmSiteLocation(String className, String methodName, String methodDescriptor, int bci, int line)
        implements SiteLocation {

    @Override
    public String describe() {
        return className + "." + methodName + methodDescriptor + " @" + bci + (line >= 0 ? " line " + line : "");
    }
}
