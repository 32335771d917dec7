package dev.lgmalloc.elf.survey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads what {@link PreloadTracer}'s shim counted: the calls made from one binary's code. */
public final class RuntimeCalls {

    /** A return address on the stack: the object it is in (as the loader named it) and its ELF virtual address. */
    public record Frame(String object, long vaddr) {
    }

    /**
     * {@code count} identical calls: the allocator, the size requested, and the return addresses, the call's own
     * first (then up to three callers', for wrappers).
     */
    public record Call(String allocator, long size, long count, List<Frame> frames) {
    }

    private RuntimeCalls() {
    }

    /**
     * The calls in every trace file of {@code traceDir} whose return address is in {@code binary} (a hard link
     * or symbolic link to it counts as the same file), with the frames above the first rewritten as 0 when they
     * are in another object.
     */
    public static List<Call> madeBy(Path binary, Path traceDir) throws IOException {
        Map<String, Boolean> same = new HashMap<>();
        List<Call> calls = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(traceDir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("trace.")).sorted().toList();
        }
        for (Path file : files) {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                List<Frame> frames = new ArrayList<>();
                for (int i = 3; i < f.length; i++) {
                    int at = f[i].lastIndexOf('@');
                    String object = f[i].substring(0, at);
                    boolean inBinary = same.computeIfAbsent(object, o -> isSameFile(binary, o));
                    frames.add(new Frame(inBinary ? binary.toString() : object, Long.decode(f[i].substring(at + 1))));
                }
                if (!frames.isEmpty() && frames.getFirst().object().equals(binary.toString())) {
                    calls.add(new Call(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), frames));
                }
            }
        }
        return calls;
    }

    private static boolean isSameFile(Path binary, String object) {
        try {
            return !object.equals("?") && Files.isSameFile(binary, Path.of(object));
        } catch (IOException e) {
            return false;
        }
    }
}
