package dev.lgmalloc.analysis.jvm.program;

/**
 * A method by declaring class, name and descriptor.
 *
 * @param owner      internal name of the declaring class
 * @param name       method name
 * @param descriptor method descriptor
 */
public record MethodKey(String owner, String name, String descriptor) {

    /** The name and descriptor, which is what a constant-pool scan can match without resolving owners. */
    public String nameAndType() {
        return name + descriptor;
    }

    @Override
    public String toString() {
        return owner + "." + name + descriptor;
    }
}
