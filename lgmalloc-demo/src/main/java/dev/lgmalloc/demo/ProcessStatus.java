package dev.lgmalloc.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fields of {@code /proc/self/status}, read with the JDK alone: the demo's programs run with nothing but their own
 * JAR and lgmalloc's on the class path (the benchmarks JAR only where a native peer is measured).
 */
final class ProcessStatus {

    private ProcessStatus() {
    }

    /** The field in KiB, e.g. {@code VmRSS:} or {@code VmHWM:}; -1 when it is not there. */
    static long kib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
