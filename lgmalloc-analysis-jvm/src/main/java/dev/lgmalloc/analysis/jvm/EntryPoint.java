package dev.lgmalloc.analysis.jvm;

import java.util.Objects;

/**
 * One allocation method the analyser looks for, matched by the owner, name and descriptor of an invoke
 * instruction.
 *
 * @param owner      internal name of the class or interface named by the invoke, e.g. {@code dev/lgmalloc/LgMalloc}
 * @param name       method name
 * @param descriptor method descriptor, e.g. {@code (J)J}
 * @param api        whose API it is
 * @param sizeRule   how the requested size follows from the arguments
 */
public record EntryPoint(String owner, String name, String descriptor, AllocationApi api, SizeRule sizeRule) {

    public EntryPoint {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(sizeRule, "sizeRule");
    }

    /** {@code owner.name descriptor} without spaces, the form used as {@link dev.lgmalloc.analysis.AllocationSite#callee()}. */
    public String callee() {
        // String.concat, not +: the agent's warm start builds these, and an indy concatenation costs a bootstrap.
        return owner.concat(".").concat(name).concat(descriptor);
    }
}
