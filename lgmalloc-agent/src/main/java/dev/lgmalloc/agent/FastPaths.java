package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.Optional;

/**
 * Which entry points have a predicted fast path in the core, and what it is: {@code LgMalloc.malloc(long)} →
 * {@code LgMalloc.mallocPredicted(long, int)} and {@code LgMalloc.allocate(long)} →
 * {@code LgMalloc.allocatePredicted(long, int)}. A confident site of another entry point ({@code calloc}, arena
 * allocations) still benefits from exact classes and pre-provisioning but keeps its call.
 */
final class FastPaths {

    static final ClassDesc LG_MALLOC = ClassDesc.ofInternalName(EntryPoints.LG_MALLOC);

    /** The fast path of one entry point: a static method of {@code LgMalloc} taking the size and the class. */
    record Target(String name, MethodTypeDesc type) {
    }

    /** The descriptors, built on first rewrite only: a warm start that rewrites nothing never needs them. */
    private static final class Targets {
        private static final ClassDesc SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
        static final Target MALLOC = new Target("mallocPredicted",
                MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long, ConstantDescs.CD_int));
        static final Target ALLOCATE = new Target("allocatePredicted",
                MethodTypeDesc.of(SEGMENT, ConstantDescs.CD_long, ConstantDescs.CD_int));
    }

    private FastPaths() {
    }

    static Optional<Target> of(EntryPoint ep) {
        return switch (kind(ep)) {
            case 1 -> Optional.of(Targets.MALLOC);
            case 2 -> Optional.of(Targets.ALLOCATE);
            default -> Optional.empty();
        };
    }

    static boolean has(EntryPoint ep) {
        return kind(ep) != 0;
    }

    /** 1 for {@code malloc(J)J}, 2 for {@code allocate(J)MemorySegment}, 0 for an entry point without a fast path. */
    private static int kind(EntryPoint ep) {
        if (!ep.owner().equals(EntryPoints.LG_MALLOC)) {
            return 0;
        }
        if (ep.name().equals("malloc") && ep.descriptor().equals("(J)J")) {
            return 1;
        }
        return ep.name().equals("allocate") && ep.descriptor().equals("(J)Ljava/lang/foreign/MemorySegment;") ? 2 : 0;
    }
}
