package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * Virtual memory from the operating system: {@code mmap}, {@code mremap}, {@code munmap} and {@code madvise}
 * through FFM downcalls (Linux). All calls are on slow paths: a segment or a large block at a time.
 */
public final class Os {

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_DONTNEED = 4;
    private static final int MREMAP_MAYMOVE = 1;
    private static final int MREMAP_FIXED = 2;
    private static final long MAP_FAILED = -1L;

    /** The OS page size we align mappings to. */
    public static final long PAGE_SIZE = 4096;

    /**
     * Where a downcall leaves {@code errno}. A holder of its own: the layouts and var handles it builds load a
     * good part of FFM's layout classes, which the first malloc of a JVM does not need.
     */
    private static final class CallState {
        static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
        static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO_HANDLE =
                LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    }

    /** Set once {@code mmap} and {@code munmap} are linked. */
    private static volatile boolean linked;

    /**
     * {@code mmap}, and {@code munmap} to trim a mapping to its alignment. Linking the first downcall of a JVM
     * takes about a hundred milliseconds (the linker's classes and generated stubs), so the first pages come
     * from elsewhere (borrowed segments) and this is linked by the maintenance thread, or on first need.
     */
    private static final class Mapping {
        static final MethodHandle MMAP;
        static final MethodHandle MUNMAP;

        static {
            if (ADDRESS.byteSize() != 8) {
                throw new ExceptionInInitializerError("lgmalloc needs a 64-bit platform");
            }
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MMAP = linker.downcallHandle(libc.findOrThrow("mmap"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                    CallState.ERRNO);
            MUNMAP = linker.downcallHandle(libc.findOrThrow("munmap"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CallState.ERRNO);
            linked = true;
        }
    }

    /** {@code mremap} and {@code madvise}: linked on first use, or ahead of it by {@link #linkRest()}. */
    private static final class Rest {
        static final MethodHandle MREMAP;
        static final MethodHandle MADVISE;

        static {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            // mremap is variadic: the new address is the first variadic argument
            MREMAP = linker.downcallHandle(libc.findOrThrow("mremap"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG),
                    Linker.Option.firstVariadicArg(4), CallState.ERRNO);
            MADVISE = linker.downcallHandle(libc.findOrThrow("madvise"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CallState.ERRNO);
        }
    }

    /**
     * {@code pthread_self}, a critical downcall: which OS thread runs the caller, for a virtual thread the
     * carrier it is mounted on, which Java does not tell. Linked by {@link #linkRest()}.
     */
    private static final class Self {
        static final MethodHandle PTHREAD_SELF = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().findOrThrow("pthread_self"),
                FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false));
    }

    /**
     * The C library's {@code memset}, a critical downcall: from 1 KiB up it zeroes 2.2-2.7 times as fast as a
     * segment's {@code fill} on this project's machine ({@code ZeroingBenchmark}: 256 KiB in 2.2 µs against 4.9;
     * docs/BENCHMARKS.md, fortieth session).
     * Linked by {@link #linkRest()}.
     */
    private static final class Fill {
        static final MethodHandle MEMSET = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().findOrThrow("memset"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), Linker.Option.critical(false));
    }

    /** Set once {@link Fill} is linked. */
    private static volatile boolean memsetLinked;

    /** Set once {@link Self} is linked. */
    private static volatile boolean selfLinked;

    /** {@code mincore}, for {@link #residentBytes} and {@link #zero}: linked on first use. */
    private static final class Residency {
        static final MethodHandle MINCORE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().findOrThrow("mincore"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS));
        /** Pages asked about per call: a 64 KiB vector, 256 MiB of memory. */
        static final long WINDOW_PAGES = 1 << 16;
    }

    private Os() {
    }

    /** Whether {@code mmap} is linked: a mapping now costs a system call, not the linker's start-up. */
    public static boolean isLinked() {
        return linked;
    }

    /** Links {@code mmap} and {@code munmap} now, if they are not yet. */
    public static void link() {
        Objects.requireNonNull(Mapping.MMAP);
    }

    /** Links the other calls; the maintenance thread does it when it starts, so no allocating thread waits. */
    public static void linkRest() {
        Objects.requireNonNull(Rest.MADVISE);
        Objects.requireNonNull(Fill.MEMSET);
        memsetLinked = true;
        try {
            Objects.requireNonNull(Self.PTHREAD_SELF);
            selfLinked = true;
        } catch (LinkageError e) {
            // No pthread_self here: virtual threads keep choosing stripes by their ids, and the caller's other
            // start-up work (the JFR hooks, after this) must not be lost to it.
        }
    }

    /**
     * Sets {@code bytes} bytes at {@code address} to zero with {@code memset}, in steps of 1 MiB (a critical
     * downcall holds back safepoints while it runs); false, having done nothing, until the call is linked.
     */
    static boolean memsetZero(long address, long bytes) {
        if (!memsetLinked) {
            return false;
        }
        try {
            for (long done = 0; done < bytes; done += MEMSET_STEP) {
                long unused = (long) Fill.MEMSET.invokeExact(address + done, 0, Math.min(MEMSET_STEP, bytes - done));
            }
            return true;
        } catch (Throwable e) {
            throw new IllegalStateException("memset downcall failed", e);
        }
    }

    private static final long MEMSET_STEP = 1L << 20;

    /**
     * The OS thread running the caller ({@code pthread_self}): for a virtual thread, its carrier of the moment.
     * 0 until the maintenance thread has linked the call, so a virtual thread's malloc never waits for the linker.
     */
    static long currentOsThread() {
        if (!selfLinked) {
            return 0;
        }
        try {
            return (long) Self.PTHREAD_SELF.invokeExact();
        } catch (Throwable e) {
            throw new AssertionError("pthread_self cannot fail", e);
        }
    }

    /**
     * Maps {@code size} bytes of zeroed, readable and writable memory aligned to {@code alignment} (a power of
     * two, at least {@link #PAGE_SIZE}). Returns 0 when the OS has no memory or address space left.
     */
    public static long map(long size, long alignment) {
        if (size <= 0 || size > (1L << 46)) {
            return 0;
        }
        if (alignment <= PAGE_SIZE) {
            return mmap(size);
        }
        // Over-map, then give back the misaligned head and the unused tail.
        long span = size + alignment;
        long raw = mmap(span);
        if (raw == 0) {
            return 0;
        }
        long aligned = (raw + alignment - 1) & -alignment;
        long head = aligned - raw;
        long tail = span - head - size;
        if (head > 0) {
            unmap(raw, head);
        }
        if (tail > 0) {
            unmap(aligned + size, tail);
        }
        return aligned;
    }

    /**
     * Without {@code MAP_NORESERVE}: the kernel's overcommit accounting then refuses a request no machine could
     * back (with the default heuristic, one larger than RAM and swap together), as it does for glibc's malloc.
     * With it, {@code malloc(1 TiB)} returned an address on a 24 GiB machine.
     */
    private static long mmap(long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CallState.LAYOUT);
            long address = (long) Mapping.MMAP.invokeExact(state, 0L, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            return address == MAP_FAILED ? 0 : address;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    /**
     * Resizes the mapping {@code [address, address + oldSize)} to {@code newSize} bytes without copying: in place
     * when {@code target} is 0, else moved onto {@code [target, target + newSize)}, a mapping of the caller's
     * that the kernel replaces. Pages beyond the old size read as zero. Returns the mapping's address, or 0 when
     * the kernel refuses (for example, no free address range right after the mapping); the old mapping is then
     * unchanged.
     */
    public static long remap(long address, long oldSize, long newSize, long target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CallState.LAYOUT);
            int flags = target == 0 ? 0 : MREMAP_MAYMOVE | MREMAP_FIXED;
            long result = (long) Rest.MREMAP.invokeExact(state, address, oldSize, newSize, flags, target);
            return result == MAP_FAILED ? 0 : result;
        } catch (Throwable t) {
            throw new IllegalStateException("mremap downcall failed", t);
        }
    }

    /** Returns {@code [address, address + size)} to the OS. */
    public static void unmap(long address, long size) {
        call(Mapping.MUNMAP, "munmap", address, size, 0);
    }

    /** Drops the contents of {@code [address, address + size)} so the OS can reclaim it; it reads as zero after. */
    public static void purge(long address, long size) {
        call(Rest.MADVISE, "madvise", address, size, MADV_DONTNEED);
    }

    /**
     * Makes {@code [address, address + size)} (whole pages, mapped private and anonymous) read as zero at the least
     * cost: the pages that are resident are written with zeros, the others dropped ({@link #purge}), which also
     * covers a page the kernel swapped out. Dropping a resident page would cost a page fault at its next touch, and
     * writing one that is not resident costs a fault now and makes it resident: about 9 µs each on this project's
     * machine, where asking the kernel ({@code mincore}) costs 1.5-7 µs for up to 1 MiB and writing 4 KiB well
     * under one. So a run of which the program used a few pages stays cheap and small, and a dense one is written.
     */
    public static void zero(long address, long size) {
        if (((address | size) & (PAGE_SIZE - 1)) != 0 || size < 0) {
            // Whole pages only: a partial page would be written, or dropped, past the range.
            throw new IllegalArgumentException(String.format("zero needs whole pages: 0x%x, %d bytes", address, size));
        }
        forEachResidencyRun(address, size, (from, bytes, resident) -> {
            if (resident) {
                Memory.clear(from, bytes);
            } else {
                purge(from, bytes);
            }
        });
    }

    /**
     * The bytes of {@code [address, address + size)} (page-aligned) that are resident now, by {@code mincore}; a
     * part that is not mapped (unmapped meanwhile by another thread) counts as not resident.
     */
    public static long residentBytes(long address, long size) {
        long[] resident = {0};
        forEachResidencyRun(address, size, (from, bytes, isResident) -> {
            if (isResident) {
                resident[0] += bytes;
            }
        });
        return resident[0];
    }

    /** A run of pages alike in residency, for {@link #forEachResidencyRun}. */
    private interface ResidencyRun {
        void accept(long address, long bytes, boolean resident);
    }

    /**
     * Hands {@code visitor} the pages of {@code [address, address + size)} (page-aligned start) in runs that are all
     * resident or all not, asking {@code mincore} a window of {@link Residency#WINDOW_PAGES} at a time. A window the
     * kernel refuses (unmapped meanwhile by another thread) is one run, not resident.
     */
    private static void forEachResidencyRun(long address, long size, ResidencyRun visitor) {
        long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(Math.max(1, Math.min(pages, Residency.WINDOW_PAGES)));
            for (long first = 0; first < pages; first += Residency.WINDOW_PAGES) {
                long count = Math.min(pages - first, Residency.WINDOW_PAGES);
                long at = address + first * PAGE_SIZE;
                if (!mincore(at, count * PAGE_SIZE, vector)) {
                    visitor.accept(at, count * PAGE_SIZE, false);
                    continue;
                }
                long run = 0;               // pages [run, i) are all resident or all not
                for (long i = 1; i <= count; i++) {
                    boolean resident = (vector.get(JAVA_BYTE, run) & 1) != 0;
                    if (i == count || ((vector.get(JAVA_BYTE, i) & 1) != 0) != resident) {
                        visitor.accept(at + run * PAGE_SIZE, (i - run) * PAGE_SIZE, resident);
                        run = i;
                    }
                }
            }
        }
    }

    /** {@code mincore} over {@code length} bytes at {@code at} into {@code vector}; false when the kernel refuses. */
    private static boolean mincore(long at, long length, MemorySegment vector) {
        try {
            return (int) Residency.MINCORE.invokeExact(at, length, vector) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("mincore downcall failed", t);
        }
    }

    private static void call(MethodHandle handle, String name, long address, long size, int advice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CallState.LAYOUT);
            int rc = handle == Mapping.MUNMAP
                    ? (int) handle.invokeExact(state, address, size)
                    : (int) handle.invokeExact(state, address, size, advice);
            if (rc != 0) {
                int errno = (int) CallState.ERRNO_HANDLE.get(state, 0L);
                throw new IllegalStateException(String.format("%s(0x%x, %d) failed with errno %d", name, address,
                        size, errno));
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " downcall failed", t);
        }
    }
}
