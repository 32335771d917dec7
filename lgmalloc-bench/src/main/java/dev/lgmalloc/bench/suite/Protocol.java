package dev.lgmalloc.bench.suite;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lines the measuring JVM prints for the suite: a tag, then tab-separated key=value pairs; values have tabs and
 * line breaks replaced so one record stays on one line. Other output passes through as log.
 */
final class Protocol {

    static final String PEER = "@@peer";
    static final String RESULT = "@@result";
    static final String SKIP = "@@skip";
    static final String FAILURE = "@@failure";

    private Protocol() {
    }

    static String line(String tag, Map<String, String> fields) {
        StringBuilder line = new StringBuilder(tag);
        fields.forEach((key, value) -> line.append('\t').append(key).append('=').append(clean(value)));
        return line.toString();
    }

    /** The tag of a protocol line, or null for ordinary output. */
    static String tag(String line) {
        for (String tag : new String[] {PEER, RESULT, SKIP, FAILURE}) {
            if (line.equals(tag) || line.startsWith(tag + "\t")) {
                return tag;
            }
        }
        return null;
    }

    static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        String[] parts = line.split("\t");
        for (int i = 1; i < parts.length; i++) {
            int equals = parts[i].indexOf('=');
            if (equals > 0) {
                fields.put(parts[i].substring(0, equals), parts[i].substring(equals + 1));
            }
        }
        return fields;
    }

    private static String clean(String value) {
        return value == null ? "" : value.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
