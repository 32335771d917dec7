package dev.lgmalloc.bench.memory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory as Linux counts it ({@code /proc/self/status}) and the Java heap in use. */
public final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {
    }

    /** Resident set size now ({@code VmRSS}), in bytes; -1 where Linux does not tell. */
    public static long residentBytes() {
        return statusField("VmRSS:");
    }

    /** Peak resident set size ({@code VmHWM}) since start or since {@link #resetPeak()}, in bytes. */
    public static long peakResidentBytes() {
        return statusField("VmHWM:");
    }

    /**
     * Resets the peak to the current RSS (writing 5 to {@code /proc/self/clear_refs}), so that one workload's peak
     * is measured apart from what ran before it in the same JVM.
     *
     * @return false when the kernel refused, in which case peaks include earlier work
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Java heap in use after a full collection, in bytes. */
    public static long heapUsedAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long statusField(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;   // the kernel reports kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
