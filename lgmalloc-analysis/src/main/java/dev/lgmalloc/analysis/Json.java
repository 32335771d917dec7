package dev.lgmalloc.analysis;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes JSON from maps (objects, in their iteration order), lists, strings, numbers, booleans and null: on one
 * line for JSON Lines, or indented by two spaces for people. Doubles get four decimals, as the reports print them.
 */
public final class Json {

    private Json() {
    }

    /** {@code value} on one line. */
    public static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, -1);
        return sb.toString();
    }

    /** {@code value} indented, one member or element per line. */
    public static String pretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.toString();
    }

    /** {@code s} as a JSON string literal, quotes and escapes included. */
    public static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Writes {@code value}; {@code depth} is the indentation level, or -1 for one line. */
    private static void write(Object value, StringBuilder sb, int depth) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> sb.append(string(s));
            case Double d -> sb.append(String.format(Locale.ROOT, "%.4f", d));
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            case Map<?, ?> map -> {
                sb.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    separate(sb, depth, i++);
                    sb.append(string(e.getKey().toString())).append(depth < 0 ? ":" : ": ");
                    write(e.getValue(), sb, depth < 0 ? -1 : depth + 1);
                }
                close(sb, depth, map.isEmpty(), '}');
            }
            case List<?> list -> {
                sb.append('[');
                // Lists of numbers (sizes) stay on one line: one number per line is no easier to read.
                boolean inline = depth < 0 || list.stream().allMatch(v -> v instanceof Number);
                for (int i = 0; i < list.size(); i++) {
                    if (inline) {
                        sb.append(i == 0 ? "" : depth < 0 ? "," : ", ");
                    } else {
                        separate(sb, depth, i);
                    }
                    write(list.get(i), sb, inline ? -1 : depth + 1);
                }
                close(sb, inline ? -1 : depth, list.isEmpty(), ']');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private static void separate(StringBuilder sb, int depth, int index) {
        sb.append(index == 0 ? "" : ",");
        if (depth >= 0) {
            sb.append('\n').append("  ".repeat(depth + 1));
        }
    }

    private static void close(StringBuilder sb, int depth, boolean empty, char bracket) {
        if (depth >= 0 && !empty) {
            sb.append('\n').append("  ".repeat(depth));
        }
        sb.append(bracket);
    }
}
