package dev.lgmalloc.agent;

import dev.lgmalloc.agent.runtime.UnsafeMemory;
import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.Optional;

/**
 * Which entry points have a predicted fast path, and what it is: {@code LgMalloc.malloc(long)} →
 * {@code LgMalloc.mallocPredicted(long, int)}, {@code LgMalloc.allocate(long)} →
 * {@code LgMalloc.allocatePredicted(long, int)}, and {@code Unsafe.allocateMemory(long)} as transparent mode
 * rewrote it ({@code UnsafeMemory.allocateMemory(Unsafe, long)}) → {@code UnsafeMemory.allocateMemoryPredicted(
 * Unsafe, long, int)}. A confident site of another entry point ({@code calloc}, arena allocations) still benefits
 * from exact classes and pre-provisioning but keeps its call.
 */
final class FastPaths {

    static final ClassDesc LG_MALLOC = ClassDesc.ofInternalName(EntryPoints.LG_MALLOC);

    /** The fast path of one entry point: a static method taking the original arguments, then the class. */
    record Target(ClassDesc owner, String name, MethodTypeDesc type) {
    }

    /** The descriptors, built on first rewrite only: a warm start that rewrites nothing never needs them. */
    private static final class Targets {
        private static final ClassDesc SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
        private static final ClassDesc UNSAFE = ClassDesc.of("sun.misc.Unsafe");
        static final Target MALLOC = new Target(LG_MALLOC, "mallocPredicted",
                MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long, ConstantDescs.CD_int));
        static final Target ALLOCATE = new Target(LG_MALLOC, "allocatePredicted",
                MethodTypeDesc.of(SEGMENT, ConstantDescs.CD_long, ConstantDescs.CD_int));
        static final Target UNSAFE_MEMORY = new Target(ClassDesc.of(UnsafeMemory.class.getName()),
                "allocateMemoryPredicted",
                MethodTypeDesc.of(ConstantDescs.CD_long, UNSAFE, ConstantDescs.CD_long, ConstantDescs.CD_int));
    }

    private FastPaths() {
    }

    static Optional<Target> of(EntryPoint ep) {
        return switch (kind(ep)) {
            case 1 -> Optional.of(Targets.MALLOC);
            case 2 -> Optional.of(Targets.ALLOCATE);
            case 3 -> Optional.of(Targets.UNSAFE_MEMORY);
            default -> Optional.empty();
        };
    }

    static boolean has(EntryPoint ep) {
        return kind(ep) != 0;
    }

    /**
     * Whether {@code ep} is {@code Unsafe.allocateMemory}: its fast path applies only where transparent mode
     * rewrote the call to {@link UnsafeMemory} first; a call it left alone (family off, class excluded) stays.
     */
    static boolean servedTransparently(EntryPoint ep) {
        return kind(ep) == 3;
    }

    /** 1 for {@code malloc(J)J}, 2 for {@code allocate(J)MemorySegment}, 3 for {@code Unsafe.allocateMemory}, else 0. */
    private static int kind(EntryPoint ep) {
        if (EntryPoints.servedTransparently(ep)) {
            return 3;
        }
        if (!ep.owner().equals(EntryPoints.LG_MALLOC)) {
            return 0;
        }
        if (ep.name().equals("malloc") && ep.descriptor().equals("(J)J")) {
            return 1;
        }
        return ep.name().equals("allocate") && ep.descriptor().equals("(J)Ljava/lang/foreign/MemorySegment;") ? 2 : 0;
    }
}
