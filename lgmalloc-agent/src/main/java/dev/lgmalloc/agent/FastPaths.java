package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;

/**
 * Which entry points have a predicted fast path in the core, and what it is. Only
 * {@code LgMalloc.malloc(long)} has one ({@code LgMalloc.mallocPredicted(long, int)}), so a confident
 * {@code calloc} or arena site still benefits from exact classes and pre-provisioning but keeps its call.
 */
final class FastPaths {

    static final ClassDesc LG_MALLOC = ClassDesc.ofInternalName(EntryPoints.LG_MALLOC);
    static final String PREDICTED_NAME = "mallocPredicted";
    static final MethodTypeDesc PREDICTED_TYPE =
            MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long, ConstantDescs.CD_int);

    private FastPaths() {
    }

    static boolean has(EntryPoint ep) {
        return ep.owner().equals(EntryPoints.LG_MALLOC) && ep.name().equals("malloc") && ep.descriptor().equals("(J)J");
    }
}
