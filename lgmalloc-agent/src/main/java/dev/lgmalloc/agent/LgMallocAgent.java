package dev.lgmalloc.agent;

import dev.lgmalloc.Allocator;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * lgmalloc's Java agent: {@code java -javaagent:lgmalloc-agent.jar[=OPTIONS] ...}, or an executable JAR whose
 * manifest names this class as {@code Launcher-Agent-Class}. Before {@code main} it analyses the application's
 * classpath (or loads the plan from the cache), configures lgmalloc with the predicted plan and installs the
 * transformer that routes confident allocation sites. See {@link AgentOptions} for the options, given after
 * {@code =} or, when that is empty, in the system property {@value #OPTIONS_PROPERTY}.
 *
 * <p>An exception escaping here would abort the JVM, so every failure is logged as one line and the application
 * runs without routing.
 */
public final class LgMallocAgent {

    private LgMallocAgent() {
    }

    /** Entry point for {@code -javaagent}. */
    public static void premain(String options, Instrumentation inst) {
        start(options, inst);
    }

    /** Entry point for {@code Launcher-Agent-Class} (and for attaching, which lgmalloc does not rely on). */
    public static void agentmain(String options, Instrumentation inst) {
        start(options, inst);
    }

    /** Options may also come from this system property: {@code Launcher-Agent-Class} agents get no options. */
    public static final String OPTIONS_PROPERTY = "lgmalloc.agent";

    private static void start(String options, Instrumentation inst) {
        letHeapsSeeCarriers(inst);
        AgentOptions parsed;
        try {
            String effective = options == null || options.isBlank() ? System.getProperty(OPTIONS_PROPERTY) : options;
            parsed = AgentOptions.parse(effective);
        } catch (IllegalArgumentException e) {
            // An option mistake is the user's to fix: its message, as the lgmalloc command words them, no class name.
            AgentLog.info("disabled, the application runs without routing: " + e.getMessage());
            return;
        }
        try {
            AgentStartup.start(parsed, inst);
        } catch (Throwable t) {
            AgentLog.info("disabled, the application runs without routing: " + AgentLog.describe(t));
        }
    }

    /**
     * Exports {@code java.base}'s {@code jdk.internal.access} to lgmalloc's core, so that a virtual thread's
     * malloc uses its carrier's heap instead of borrowing a stripe (see {@code dev.lgmalloc.internal.Carriers}). First,
     * before anything could ask whether it may. Without it, virtual threads still allocate, through stripes.
     */
    private static void letHeapsSeeCarriers(Instrumentation inst) {
        try {
            Module base = Object.class.getModule();
            inst.redefineModule(base, Set.of(), Map.of("jdk.internal.access", Set.of(Allocator.class.getModule())),
                    Map.of(), Set.of(), Map.of());
        } catch (RuntimeException e) {
            AgentLog.info("virtual threads borrow stripes: " + AgentLog.describe(e));
        }
    }
}
