package dev.lgmalloc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The carrier of the current virtual thread, when lgmalloc may ask for it: the JDK answers through
 * {@code jdk.internal.access}, which {@code java.base} exports to lgmalloc only when told to (lgmalloc's agent
 * does it in premain; without the agent, {@code --add-exports java.base/jdk.internal.access=ALL-UNNAMED}, or
 * {@code =dev.lgmalloc.core} on the module path). Without the export, virtual threads borrow stripes.
 *
 * <p>The answer is an intrinsic, a load from the JVM's thread structure, where {@code pthread_self} through a
 * downcall costs about 4.5 ns. A virtual thread moves to another carrier only where it parks (or yields), so the
 * carrier read here stays its carrier until it next blocks.
 */
public final class Carriers {

    private static final String PACKAGE = "jdk.internal.access";

    private Carriers() {
    }

    /** Whether {@link #current()} may be called: the package is exported to lgmalloc. */
    public static boolean available() {
        return Access.CURRENT_CARRIER != null;
    }

    /** The platform thread the current virtual thread runs on (the thread itself for a platform thread). */
    static Thread current() {
        try {
            return (Thread) Access.CURRENT_CARRIER.invokeExact();
        } catch (Throwable e) {
            throw new AssertionError("currentCarrierThread cannot fail", e);
        }
    }

    /**
     * Initialised on first use, so that an agent's export in premain is seen. The handle is bound to the JDK's
     * one {@code JavaLangAccess}: as a constant the JIT calls the intrinsic directly. Looked up reflectively, since
     * lgmalloc is compiled with {@code --release}, which refuses {@code --add-exports} of {@code java.base}.
     */
    private static final class Access {
        static final MethodHandle CURRENT_CARRIER = link();

        private static MethodHandle link() {
            if (!Object.class.getModule().isExported(PACKAGE, Carriers.class.getModule())) {
                return null;
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                Class<?> secrets = Class.forName(PACKAGE + ".SharedSecrets");
                Class<?> langAccess = Class.forName(PACKAGE + ".JavaLangAccess");
                Object access = lookup.findStatic(secrets, "getJavaLangAccess", MethodType.methodType(langAccess))
                        .invoke();
                return lookup.findVirtual(langAccess, "currentCarrierThread", MethodType.methodType(Thread.class))
                        .bindTo(access);
            } catch (Throwable e) {
                return null;                  // another JDK's internals: stripes, as without the export
            }
        }
    }
}
