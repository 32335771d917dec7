package dev.lgmalloc.agent.runtime;

import dev.lgmalloc.LgMalloc;
import java.lang.foreign.MemoryLayout;
import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * Run-time side of verification mode: rewritten sites are {@code invokedynamic}s linked by {@link #bootstrap},
 * which record each request's size in the site's {@link SiteStats} before calling the original method (or the
 * routed fast path). Loaded by the system class loader from the agent JAR.
 */
public final class SiteRecorder {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static volatile SiteStats[] stats = new SiteStats[0];

    private SiteRecorder() {
    }

    /** Installs the statistics of every site, indexed by site id; called by the agent before {@code main}. */
    public static void install(List<SiteStats> sites) {
        stats = sites.toArray(SiteStats[]::new);
    }

    /** The statistics of site {@code id}. */
    public static SiteStats stats(int id) {
        return stats[id];
    }

    /**
     * Links a recorded site.
     *
     * @param caller    the class whose site this is
     * @param name      unused
     * @param type      the site's type: the original call's, with the receiver first for instance methods
     * @param callee    the method the site originally called
     * @param siteId    the site's id
     * @param sizeRule  which arguments give the size (ordinal of {@code SizeRule}: first, second, product of the
     *                  first two, layout byte size, layout byte size times the second)
     * @param fastClass the size class of the fast path to take instead of {@code callee} ({@code malloc} sites and
     *                  {@code Unsafe.allocateMemory} sites transparent mode serves), or -1
     * @param receivers 1 when the original call had a receiver (the site's first parameter), else 0
     */
    public static CallSite bootstrap(MethodHandles.Lookup caller, String name, MethodType type, MethodHandle callee,
                                     int siteId, int sizeRule, int fastClass, int receivers)
            throws ReflectiveOperationException {
        MethodHandle target = callee;
        if (fastClass >= 0 && type.parameterCount() == 2 && type.parameterType(0) == sun.misc.Unsafe.class) {
            // Unsafe.allocateMemory, served by transparent mode
            MethodHandle predicted = LOOKUP.findStatic(UnsafeMemory.class, "allocateMemoryPredicted",
                    MethodType.methodType(long.class, sun.misc.Unsafe.class, long.class, int.class));
            target = MethodHandles.insertArguments(predicted, 2, fastClass);
        } else if (fastClass >= 0) {
            MethodHandle predicted = LOOKUP.findStatic(LgMalloc.class, "mallocPredicted",
                    MethodType.methodType(long.class, long.class, int.class));
            target = MethodHandles.insertArguments(predicted, 1, fastClass);
        }
        MethodHandle recorder = recorder(sizeRule, siteId, type, receivers);
        return new ConstantCallSite(MethodHandles.foldArguments(target.asType(type), recorder));
    }

    /** A void handle over the site's leading parameters that records the size. */
    private static MethodHandle recorder(int sizeRule, int siteId, MethodType type, int receiver)
            throws ReflectiveOperationException {
        String method;
        int first;      // index of the first argument the recorder reads
        int count;      // how many it reads
        switch (sizeRule) {
            case 0 -> { method = "size"; first = receiver; count = 1; }
            case 1 -> { method = "size"; first = receiver + 1; count = 1; }
            case 2 -> { method = "product"; first = receiver; count = 2; }
            case 3 -> { method = "layout"; first = receiver; count = 1; }
            case 4 -> { method = "layoutTimes"; first = receiver; count = 2; }
            default -> throw new IllegalArgumentException("unknown size rule " + sizeRule);
        }
        MethodType readType = MethodType.methodType(void.class, type.parameterList().subList(first, first + count));
        MethodHandle h = LOOKUP.findStatic(SiteRecorder.class, method, methodTypeOf(method));
        h = MethodHandles.insertArguments(h, 0, siteId).asType(readType);
        return MethodHandles.dropArguments(h, 0, type.parameterList().subList(0, first));
    }

    private static MethodType methodTypeOf(String method) {
        return switch (method) {
            case "size" -> MethodType.methodType(void.class, int.class, long.class);
            case "product" -> MethodType.methodType(void.class, int.class, long.class, long.class);
            case "layout" -> MethodType.methodType(void.class, int.class, MemoryLayout.class);
            default -> MethodType.methodType(void.class, int.class, MemoryLayout.class, long.class);
        };
    }

    static void size(int site, long size) {
        stats[site].record(size);
    }

    static void product(int site, long count, long size) {
        long total;
        try {
            total = Math.multiplyExact(count, size);
        } catch (ArithmeticException e) {
            total = -1; // the allocation itself will fail; record an impossible size
        }
        stats[site].record(total);
    }

    static void layout(int site, MemoryLayout layout) {
        stats[site].record(layout == null ? -1 : layout.byteSize());
    }

    static void layoutTimes(int site, MemoryLayout layout, long count) {
        product(site, layout == null ? -1 : layout.byteSize(), count);
    }
}
