package dev.lgmalloc.analysis.jvm.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The pre-filter: lgmalloc's own package name passes the byte search, the constant-pool walk must not. */
class ApiReferenceFilterTest {

    private static byte[] classCalling(String className, String owner, String method, String descriptor) {
        return ClassFile.of().build(ClassDesc.ofInternalName(className), cb ->
                cb.withMethod("run", MethodTypeDesc.ofDescriptor("()V"), AccessFlag.STATIC.mask(), mb ->
                        mb.withCode(code -> code
                                .lconst_1()
                                .invokestatic(ClassDesc.ofInternalName(owner), method,
                                        MethodTypeDesc.ofDescriptor(descriptor))
                                .pop2()
                                .return_())));
    }

    @Test
    void aClassOfAnLgmallocPackageThatNamesNoEntryPointIsLeftOut() {
        byte[] b = classCalling("dev/lgmalloc/internal/Helper", "dev/lgmalloc/internal/Other", "size", "(J)J");
        assertThat(ApiReferenceFilter.indexOf(b, "lloc".getBytes())).isNotNegative();
        assertThat(ApiReferenceFilter.mayCallAllocationApi(b)).isFalse();
    }

    @Test
    void aClassThatNamesAnEntryPointPasses() {
        assertThat(ApiReferenceFilter.mayCallAllocationApi(
                classCalling("demo/App", "dev/lgmalloc/LgMalloc", "malloc", "(J)J"))).isTrue();
        assertThat(ApiReferenceFilter.mayCallAllocationApi(
                classCalling("demo/App", "sun/misc/Unsafe", "allocateMemory", "(J)J"))).isTrue();
    }

    @Test
    void aNameThatOnlyContainsAnEntryPointsNameIsNoEntryPoint() {
        assertThat(ApiReferenceFilter.mayCallAllocationApi(
                classCalling("demo/App", "demo/Pool", "mallocAll", "(J)J"))).isFalse();
    }

    @Test
    void anEntryPointsNameInsideALongerStringIsNoEntryPoint() {
        assertThat(ApiReferenceFilter.mayCallAllocationApi(
                classCalling("demo/App", "demo/Pool", "tryMallocAll", "(J)J"))).isFalse();
        assertThat(ApiReferenceFilter.mayCallAllocationApi(
                classCalling("demo/App", "demo/Pool", "xallocate", "(J)J"))).isFalse();
    }

    @Test
    void aTruncatedClassOrGarbagePassesSoThatTheParserReportsIt() {
        byte[] b = classCalling("dev/lgmalloc/internal/Helper", "dev/lgmalloc/internal/Other", "size", "(J)J");
        assertThat(ApiReferenceFilter.mayCallAllocationApi(Arrays.copyOf(b, 40))).isTrue();
        assertThat(ApiReferenceFilter.mayCallAllocationApi("lloc? not a class".getBytes())).isTrue();
        assertThat(ApiReferenceFilter.mayCallAllocationApi("no needle".getBytes())).isFalse();
    }
}
