package dev.lgmalloc.bench.peer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The native allocators the suite reaches through FFM: glibc in the process, and Debian's packages of jemalloc,
 * mimalloc and tcmalloc loaded by path. Each is called through its own symbols (checked with {@code nm -D}). Only
 * tcmalloc is also preloaded in the suite's JVM that measures it (see {@link #jvmEnvironment()}); under the others the
 * JVM itself keeps using glibc.
 */
public enum NativeLibrary {
    GLIBC("glibc", null, "libc6", "malloc", "free", "realloc"),
    /** Debian's build exports jemalloc's own unprefixed malloc/free/realloc (plus mallocx, sdallocx, mallctl). */
    JEMALLOC("jemalloc", "libjemalloc.so.2", "libjemalloc2", "malloc", "free", "realloc"),
    MIMALLOC("mimalloc", "libmimalloc.so.2", "libmimalloc2.0", "mi_malloc", "mi_free", "mi_realloc"),
    /** gperftools' tcmalloc (the minimal build, without the heap profiler). */
    TCMALLOC("tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", "tc_malloc", "tc_free", "tc_realloc");

    /** Debian's libjemalloc uses initial-exec TLS: dlopen into a running JVM needs this much static TLS surplus. */
    public static final String STATIC_TLS_TUNABLE = "glibc.rtld.optional_static_tls=16384";

    private static final Linker LINKER = Linker.nativeLinker();

    private final String displayName;
    private final String soname;
    private final String debianPackage;
    final String mallocSymbol;
    final String freeSymbol;
    final String reallocSymbol;

    NativeLibrary(String displayName, String soname, String debianPackage, String malloc, String free,
            String realloc) {
        this.displayName = displayName;
        this.soname = soname;
        this.debianPackage = debianPackage;
        this.mallocSymbol = malloc;
        this.freeSymbol = free;
        this.reallocSymbol = realloc;
    }

    public String displayName() {
        return displayName;
    }

    /**
     * Where the library is: the system property {@code lgmalloc.bench.lib.<name>} if set, else Debian's
     * multiarch directory; null for glibc, which is already in the process.
     */
    public Path path() {
        if (soname == null) {
            return null;
        }
        String override = System.getProperty("lgmalloc.bench.lib." + displayName);
        if (override != null) {
            return Path.of(override);
        }
        return Path.of("/usr/lib", multiarchTriplet(), soname);
    }

    /**
     * What the environment of a JVM that measures this library must hold. gperftools' tcmalloc grows its heap with
     * {@code sbrk}, as glibc's malloc (the JVM's own) does, and {@code sbrk} is not thread-safe: with both in one
     * process, two threads growing the break at once can be handed the same memory, and the JVM crashed that way
     * now and then. Preloaded, tcmalloc is the process's only malloc and the only caller of {@code sbrk}.
     */
    public Map<String, String> jvmEnvironment() {
        return this == TCMALLOC ? Map.of("LD_PRELOAD", path().toString()) : Map.of();
    }

    /** Why the library cannot be used here, or null when it can (the file exists). */
    public String unavailableReason() {
        Path path = path();
        if (path != null && !Files.isRegularFile(path)) {
            return displayName + " is not installed (" + path + " missing): install Debian's " + debianPackage
                    + " with scripts/install-peers";
        }
        return null;
    }

    /** Opens the library for the life of the JVM, with a message that says what to do when it cannot be opened. */
    SymbolLookup open() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        if (this == GLIBC) {
            return LINKER.defaultLookup();
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(path(), Arena.global());
            checkOwnMalloc(lookup);
            return lookup;
        } catch (IllegalArgumentException e) {
            String hint = this == JEMALLOC && !String.valueOf(System.getenv("GLIBC_TUNABLES"))
                    .contains("optional_static_tls")
                    ? " (Debian's jemalloc needs GLIBC_TUNABLES=" + STATIC_TLS_TUNABLE
                    + " in the JVM's environment; the suite sets it for its forks)"
                    : "";
            throw new IllegalStateException("cannot load " + path() + ": " + e.getMessage() + hint, e);
        }
    }

    /** A library's malloc must not resolve to the process's (glibc's) malloc, or we would measure glibc twice. */
    private void checkOwnMalloc(SymbolLookup lookup) {
        MemorySegment own = lookup.findOrThrow(mallocSymbol);
        MemorySegment processMalloc = LINKER.defaultLookup().findOrThrow("malloc");
        if (own.address() == processMalloc.address()) {
            throw new IllegalStateException(displayName + ": " + mallocSymbol + " resolved to the process's malloc");
        }
    }

    /**
     * Whether the process's {@code malloc}, as the dynamic linker resolves it for every library
     * ({@code dlsym(RTLD_DEFAULT, "malloc")}), is this library's: true when it was preloaded.
     */
    boolean isProcessMalloc(SymbolLookup lookup) {
        if (this == GLIBC) {
            return true;
        }
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle dlsym = handle(LINKER.defaultLookup(), "dlsym",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            // RTLD_DEFAULT is the null handle on glibc.
            MemorySegment processMalloc = (MemorySegment) dlsym.invokeExact(MemorySegment.NULL,
                    arena.allocateFrom("malloc"));
            return lookup.find("malloc").map(own -> own.address() == processMalloc.address()).orElse(false);
        } catch (Throwable t) {
            throw new IllegalStateException(displayName + ": cannot resolve the process's malloc", t);
        }
    }

    /** The version string the library reports about itself. */
    String version(SymbolLookup lookup) {
        try {
            return switch (this) {
                case GLIBC -> string((MemorySegment) handle(lookup, "gnu_get_libc_version",
                        FunctionDescriptor.of(ADDRESS)).invokeExact());
                case JEMALLOC -> jemallocVersion(lookup);
                case MIMALLOC -> mimallocVersion((int) handle(lookup, "mi_version",
                        FunctionDescriptor.of(JAVA_INT)).invokeExact());
                case TCMALLOC -> string((MemorySegment) handle(lookup, "tc_version",
                        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS))
                        .invokeExact(MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            };
        } catch (Throwable t) {
            return "unknown (" + t.getMessage() + ")";
        }
    }

    /** Calls the library's own "give free memory back to the OS" function and says which one it called. */
    String releaseFreeMemory(SymbolLookup lookup) {
        try {
            switch (this) {
                case GLIBC -> {
                    int ignored = (int) handle(lookup, "malloc_trim", FunctionDescriptor.of(JAVA_INT, JAVA_LONG))
                            .invokeExact(0L);
                    return "malloc_trim(0)";
                }
                case JEMALLOC -> {
                    try (Arena arena = Arena.ofConfined()) {
                        // 4096 is MALLCTL_ARENAS_ALL: purge every arena's unused dirty pages.
                        int ignored = (int) mallctl(lookup).invokeExact(arena.allocateFrom("arena.4096.purge"),
                                MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, 0L);
                    }
                    return "mallctl(\"arena.4096.purge\")";
                }
                case MIMALLOC -> {
                    handle(lookup, "mi_collect", FunctionDescriptor.ofVoid(JAVA_BOOLEAN)).invokeExact(true);
                    return "mi_collect(true)";
                }
                case TCMALLOC -> {
                    handle(lookup, "MallocExtension_ReleaseFreeMemory", FunctionDescriptor.ofVoid()).invokeExact();
                    return "MallocExtension_ReleaseFreeMemory()";
                }
                default -> throw new AssertionError(this);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(displayName + ": releasing free memory failed", t);
        }
    }

    private static String jemallocVersion(SymbolLookup lookup) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment length = arena.allocateFrom(JAVA_LONG, ADDRESS.byteSize());
            int error = (int) mallctl(lookup).invokeExact(arena.allocateFrom("version"), out, length,
                    MemorySegment.NULL, 0L);
            return error == 0 ? string(out.get(ADDRESS, 0)) : "unknown (mallctl error " + error + ")";
        }
    }

    private static MethodHandle mallctl(SymbolLookup lookup) {
        return handle(lookup, "mallctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG));
    }

    /** mimalloc encodes its version as major*100 + minor*10 + patch (209 is 2.0.9). */
    private static String mimallocVersion(int encoded) {
        return (encoded / 100) + "." + (encoded / 10 % 10) + "." + (encoded % 10);
    }

    private static MethodHandle handle(SymbolLookup lookup, String symbol, FunctionDescriptor type) {
        return LINKER.downcallHandle(lookup.findOrThrow(symbol), type);
    }

    private static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "unknown" : cString.reinterpret(256).getString(0);
    }

    private static String multiarchTriplet() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            default -> System.getProperty("os.arch") + "-linux-gnu";
        };
    }
}
