package dev.lgmalloc.agent;

import java.lang.instrument.Instrumentation;

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
}
