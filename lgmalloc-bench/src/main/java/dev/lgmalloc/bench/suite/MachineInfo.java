package dev.lgmalloc.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The machine and JVM the results come from, for the report's header.
 *
 * @param cpu       CPU model from /proc/cpuinfo
 * @param cores     processors available to the JVM
 * @param memory    total memory from /proc/meminfo
 * @param os        operating system and kernel
 * @param jdk       JDK vendor and version
 * @param date      when the suite started
 */
public record MachineInfo(String cpu, int cores, String memory, String os, String jdk, String date) {

    static MachineInfo collect() {
        return new MachineInfo(firstValue(Path.of("/proc/cpuinfo"), "model name"),
                Runtime.getRuntime().availableProcessors(), firstValue(Path.of("/proc/meminfo"), "MemTotal"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch") + osRelease(),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + Runtime.version(),
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    }

    private static String osRelease() {
        String name = firstValue(Path.of("/etc/os-release"), "PRETTY_NAME");
        return name.equals("unknown") ? "" : " (" + name.replace("\"", "").replace("=", "").trim() + ")";
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    int separator = line.indexOf(':') >= 0 ? line.indexOf(':') : line.indexOf('=');
                    return line.substring(separator + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }
}
