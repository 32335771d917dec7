package dev.lgmalloc.agent;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.jvm.ClassAnalysis;
import dev.lgmalloc.analysis.jvm.ClassResolver;
import dev.lgmalloc.analysis.jvm.JvmAnalyzer;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.Map;

/** A class built with the ClassFile API whose methods allocate, its analysis and its plan. */
final class GeneratedClasses {

    static final String NAME = "gen/Sites";
    private static final ClassDesc LG = ClassDesc.of("dev.lgmalloc.LgMalloc");
    private static final MethodTypeDesc MALLOC = MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long);
    private static final ClassDesc ARENA = ClassDesc.of("java.lang.foreign.Arena");
    private static final ClassDesc SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    private static final ClassDesc LAYOUT = ClassDesc.of("java.lang.foreign.MemoryLayout");
    private static final ClassDesc VALUE_LAYOUT = ClassDesc.of("java.lang.foreign.ValueLayout");

    private GeneratedClasses() {
    }

    /**
     * {@code pick(boolean)}: {@code malloc(big ? 40 : 48)} (a join at the call, so a stack map frame sits on
     * it); {@code fixed()}: {@code malloc(300)}; {@code record()}: {@code allocate(24)}; {@code unknown(long)}: {@code malloc(n)};
     * {@code layout(Arena)}: {@code arena.allocate(ValueLayout.JAVA_LONG).address()}.
     */
    static byte[] sites() {
        return ClassFile.of().build(ClassDesc.ofInternalName(NAME), cb -> cb
                .withFlags(AccessFlag.PUBLIC, AccessFlag.FINAL, AccessFlag.SUPER)
                .withMethodBody("pick", MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_boolean),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, code -> {
                            Label small = code.newLabel();
                            Label call = code.newLabel();
                            code.iload(0).ifeq(small).ldc(40L).goto_(call)
                                    .labelBinding(small).ldc(48L)
                                    .labelBinding(call).invokestatic(LG, "malloc", MALLOC).lreturn();
                        })
                .withMethodBody("fixed", MethodTypeDesc.of(ConstantDescs.CD_long),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                        code -> code.ldc(300L).invokestatic(LG, "malloc", MALLOC).lreturn())
                .withMethodBody("record", MethodTypeDesc.of(SEGMENT),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                        code -> code.ldc(24L).invokestatic(LG, "allocate", MethodTypeDesc.of(SEGMENT,
                                ConstantDescs.CD_long)).areturn())
                .withMethodBody("unknown", MethodTypeDesc.of(ConstantDescs.CD_long, ConstantDescs.CD_long),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                        code -> code.lload(0).invokestatic(LG, "malloc", MALLOC).lreturn())
                .withMethodBody("layout", MethodTypeDesc.of(ConstantDescs.CD_long, ARENA),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                        code -> code.aload(0)
                                .getstatic(VALUE_LAYOUT, "JAVA_LONG", VALUE_LAYOUT.nested("OfLong"))
                                .invokeinterface(ARENA, "allocate", MethodTypeDesc.of(SEGMENT, LAYOUT))
                                .invokeinterface(SEGMENT, "address", MethodTypeDesc.of(ConstantDescs.CD_long))
                                .lreturn()));
    }

    /** The analysed program of one class. */
    static AnalysedProgram analysed(byte[] bytes) throws AnalysisException {
        ClassAnalysis a = JvmAnalyzer.analyzeClass(bytes, ClassResolver.none());
        return new AnalysedProgram(a.sites(), Map.of(a.className(), Crc.of(bytes)), a.warnings());
    }

    /** Defines classes in a fresh loader whose parent sees lgmalloc and the agent. */
    static final class Loader extends ClassLoader {
        Loader() {
            super(GeneratedClasses.class.getClassLoader());
        }

        Class<?> define(String internalName, byte[] bytes) {
            return defineClass(internalName.replace('/', '.'), bytes, 0, bytes.length);
        }
    }
}
