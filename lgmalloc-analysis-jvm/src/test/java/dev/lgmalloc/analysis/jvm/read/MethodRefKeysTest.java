package dev.lgmalloc.analysis.jvm.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.InterfaceMethodRefEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.MethodRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The raw constant-pool scan must find exactly the references the ClassFile API sees. */
class MethodRefKeysTest {

    /** The keys of a class computed the slow way: ClassFile API and strings. */
    private static long[] expected(byte[] bytes) {
        ClassModel cm = ClassFile.of().parse(bytes);
        TreeSet<Long> keys = new TreeSet<>();
        for (PoolEntry e : cm.constantPool()) {
            MemberRefEntry ref = e instanceof MethodRefEntry || e instanceof InterfaceMethodRefEntry
                    ? (MemberRefEntry) e : e instanceof MethodHandleEntry mh ? mh.reference() : null;
            if (ref != null) {
                String nt = ref.name().stringValue() + ref.type().stringValue();
                keys.add(MethodRefKeys.of(nt));
                keys.add(MethodRefKeys.of(ref.owner().asInternalName() + "." + nt));
            }
        }
        return keys.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void agreesWithTheClassFileApiOnJavaBase() throws Exception {
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        int checked = 0;
        try (Stream<Path> s = Files.walk(jrt.getPath("/modules/java.base/java/util"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".class")).limit(400).toList()) {
                byte[] bytes = Files.readAllBytes(p);
                assertThat(MethodRefKeys.scan(bytes)).as("%s", p).containsExactly(expected(bytes));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(300);
    }

    @Test
    void hashesNamesAsModifiedUtf8() {
        // NUL, a two-byte char, a three-byte char and a supplementary char (two surrogates of three bytes each).
        String name = "gr\u00f6\u00dfe\u0000\u20ac\uD835\uDD38";
        ClassDesc owner = ClassDesc.of("p.\u00c4rger");
        byte[] bytes = ClassFile.of().build(ClassDesc.of("p.Caller"), cb -> cb.withMethodBody("run",
                MethodTypeDesc.of(ConstantDescs.CD_void), ClassFile.ACC_STATIC, code -> code
                        .invokestatic(owner, name, MethodTypeDesc.of(ConstantDescs.CD_void))
                        .return_()));
        long[] keys = MethodRefKeys.scan(bytes);
        assertThat(keys).containsExactly(expected(bytes));
        assertThat(Arrays.binarySearch(keys, MethodRefKeys.of(name + "()V"))).isNotNegative();
        assertThat(Arrays.binarySearch(keys, MethodRefKeys.of("p/\u00c4rger." + name + "()V"))).isNotNegative();
        assertThat(Arrays.binarySearch(keys, MethodRefKeys.of(name + "(J)V"))).isNegative();
    }

    @Test
    void malformedPoolsAreRejectedNotMisread() {
        byte[] good = ClassFile.of().build(ClassDesc.of("p.C"), cb -> cb.withMethodBody("run",
                MethodTypeDesc.of(ConstantDescs.CD_void), ClassFile.ACC_STATIC, code -> code
                        .invokestatic(ClassDesc.of("p.D"), "x", MethodTypeDesc.of(ConstantDescs.CD_void))
                        .return_()));
        for (int cut = 0; cut < 40; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> MethodRefKeys.scan(truncated)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] badTag = good.clone();
        badTag[10] = 99; // the first entry's tag
        assertThatThrownBy(() -> MethodRefKeys.scan(badTag)).hasMessageContaining("tag 99");
    }
}
