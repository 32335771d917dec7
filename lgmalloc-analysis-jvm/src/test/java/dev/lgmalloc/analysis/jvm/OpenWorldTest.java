package dev.lgmalloc.analysis.jvm;

import static dev.lgmalloc.analysis.jvm.SiteAssertions.only;
import static dev.lgmalloc.analysis.jvm.SiteAssertions.sizes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.analysis.SizeSet;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library's public constructors and methods are entry points: code outside its JAR calls them with any
 * argument, so the constant its own callers pass is no prediction (the shape of two wrong constants measured on
 * real JARs). Analysing the whole application closes the world.
 */
class OpenWorldTest {

    /** Netty's shape: a direct buffer wrapper whose public constructor allocates what its caller asks for. */
    private static final String NATIVE_BUFFER = """
            package io.netty.channel.unix;
            import java.nio.ByteBuffer;
            public final class NativeBuffer {
                private final ByteBuffer buffer;
                public NativeBuffer(int capacity) { buffer = ByteBuffer.allocateDirect(capacity); }
                NativeBuffer(int count, int elementSize) { buffer = ByteBuffer.allocateDirect(count * elementSize); }
                protected static long slab(long size) { return dev.lgmalloc.LgMalloc.malloc(size); }
            }
            """;
    private static final String IOV_ARRAY = """
            package io.netty.channel.unix;
            public final class IovArray {
                private final NativeBuffer memory = new NativeBuffer(8192);
                private final NativeBuffer iovecs = new NativeBuffer(1024, 16);
                static long slab() { return NativeBuffer.slab(65536); }
            }
            """;
    /** The application using the library, calling the same constructor with another size. */
    private static final String APPLICATION = """
            package app;
            import io.netty.channel.unix.NativeBuffer;
            public final class Main {
                public static void main(String[] args) { new NativeBuffer(65536); }
            }
            """;

    private static Map<String, byte[]> library;
    private static Map<String, byte[]> application;

    @BeforeAll
    static void compile() {
        Map<String, byte[]> all = Fixtures.compile(NATIVE_BUFFER, IOV_ARRAY, APPLICATION);
        library = new HashMap<>(all);
        library.remove("app/Main");
        application = Map.of("app/Main", all.get("app/Main"));
    }

    private static FoundSite publicConstructorSite(List<FoundSite> sites) {
        return sites.stream().filter(s -> s.location().methodName().equals("<init>")
                && s.location().methodDescriptor().equals("(I)V")).findFirst().orElseThrow();
    }

    private static FoundSite packagePrivateConstructorSite(List<FoundSite> sites) {
        return sites.stream().filter(s -> s.location().methodName().equals("<init>")
                && s.location().methodDescriptor().equals("(II)V")).findFirst().orElseThrow();
    }

    @Test
    void aLibraryAnalysedAloneIsOpen(@TempDir Path dir) throws Exception {
        Path jar = JarFixtures.jar(dir.resolve("netty-transport-native-unix-common.jar"),
                JarFixtures.entries("", library), Map.of());
        List<FoundSite> sites = JvmAnalyzer.analyzeDetailed(List.of(jar), 0.9).sites();
        FoundSite site = publicConstructorSite(sites);
        assertThat(site.site().sizes()).isEqualTo(SizeSet.unknown());
        assertThat(site.site().note()).contains("public entry point");
        assertThat(only(sites, "slab").site().sizes()).isEqualTo(SizeSet.unknown()); // protected
        // A package-private constructor is reached only from its package, all of it in this JAR but for a split
        // package: its callers' arguments hold, discounted.
        FoundSite packagePrivate = packagePrivateConstructorSite(sites);
        assertThat(packagePrivate.site().sizes()).isEqualTo(sizes(1024 * 16));
        assertThat(packagePrivate.site().reliability()).isEqualTo(0.9);
    }

    @Test
    void theWholeApplicationIsAClosedWorld(@TempDir Path dir) throws Exception {
        Path jar = JarFixtures.jar(dir.resolve("netty-transport-native-unix-common.jar"),
                JarFixtures.entries("", library), Map.of());
        Path classes = dir.resolve("classes");
        Fixtures.writeTo(classes, application);
        List<FoundSite> sites = JvmAnalyzer.analyzeDetailed(List.of(classes, jar), 0.9, World.CLOSED).sites();
        FoundSite site = publicConstructorSite(sites);
        assertThat(site.site().sizes()).isEqualTo(sizes(8192, 65536));
        assertThat(site.site().reliability()).isEqualTo(1);
        assertThat(only(sites, "slab").site().sizes()).isEqualTo(sizes(65536));
        assertThat(packagePrivateConstructorSite(sites).site().reliability()).isEqualTo(1);
    }

    @Test
    void aSingleClassSeesNoCallerOfItsPublicMethods() throws Exception {
        List<FoundSite> sites = JvmAnalyzer.analyzeClass(library.get("io/netty/channel/unix/NativeBuffer"),
                ClassResolver.of(library)).sites();
        assertThat(publicConstructorSite(sites).site().sizes()).isEqualTo(SizeSet.unknown());
    }
}
