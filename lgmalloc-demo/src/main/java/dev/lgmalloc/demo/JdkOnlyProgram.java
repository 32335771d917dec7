package dev.lgmalloc.demo;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * A program written only against the JDK, the way code that calls a native library looks: per request, a
 * confined arena holding a request struct and a C string for a native call ({@code strlen} here), and a direct
 * buffer for the response, left to the garbage collector. Nothing in it names lgmalloc: {@code lgmalloc demo}
 * runs it once as it is and once under lgmalloc's agent, whose transparent mode rewrites its
 * {@code Arena.ofConfined()} and {@code ByteBuffer.allocateDirect} calls as the class loads.
 *
 * <p>Usage: {@code JdkOnlyProgram REQUESTS}. After a warm-up of a quarter of the requests it prints one
 * {@code RESULT} line, in the format of {@link MessagePipeline}'s.
 */
public final class JdkOnlyProgram {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle STRLEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strlen"),
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final StructLayout REQUEST = MemoryLayout.structLayout(JAVA_LONG.withName("id"),
            JAVA_INT.withName("kind"), JAVA_INT.withName("flags"), ADDRESS.withName("name"));

    private JdkOnlyProgram() {
    }

    public static void main(String[] args) throws Throwable {
        long requests = Long.parseLong(args[0]);
        long checksum = serve(Math.max(2, requests / 4));
        long start = System.nanoTime();
        checksum += serve(requests);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.gc();                                   // the direct buffers are freed by the GC, as they would be
        System.out.printf(Locale.ROOT, "checksum %d; arenas were %s%n", checksum, arenaKind());
        System.out.printf(Locale.ROOT, "RESULT allocator=jdk messages=%d seconds=%.3f peakRssKiB=%d finalRssKiB=%d%n",
                requests, seconds, ProcessStatus.kib("VmHWM:"), ProcessStatus.kib("VmRSS:"));
    }

    private static long serve(long requests) throws Throwable {
        long checksum = 0;
        for (long i = 0; i < requests; i++) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment name = arena.allocateFrom("request-" + i);
                MemorySegment request = arena.allocate(REQUEST);
                request.set(JAVA_LONG, 0, i);
                request.set(ADDRESS, 16, name);
                checksum += (long) STRLEN.invokeExact(request.get(ADDRESS, 16));
            }
            ByteBuffer response = ByteBuffer.allocateDirect(512 + (int) (i % 8) * 256);
            response.putLong(0, i);
            checksum += response.getLong(0) & 1;
        }
        return checksum;
    }

    private static String arenaKind() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.getClass().getName();
        }
    }

}
