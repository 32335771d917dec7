package dev.lgmalloc.agent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One-line messages on standard error, prefixed so they stand out from the application's output. */
public final class AgentLog {

    private static final String PREFIX = "[lgmalloc-agent] ";
    private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

    private AgentLog() {
    }

    public static void info(String message) {
        System.err.println(PREFIX + message);
    }

    /** Logs {@code message} the first time {@code key} is seen: a class that fails is reported once. */
    public static void once(String key, String message) {
        if (ONCE.add(key)) {
            info(message);
        }
    }

    /** A throwable as one line: its type and message, never a stack trace. */
    public static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
