package dev.lgmalloc.analysis.jvm.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.SourceFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A JDK's runtime image is read directly: {@code jrt:/MODULE}, a JDK home, or its {@code lib/modules}. */
class RuntimeImageTest {

    private static final Path HOME = Path.of(System.getProperty("java.home"));

    @Test
    void aModuleOfTheRunningJdkIsReadThroughJrt() throws AnalysisException {
        ClassPathContents contents = ClassPathReader.read(List.of(Path.of("jrt:/java.logging")));
        assertThat(contents.format()).isEqualTo("runtime image jrt:/java.logging");
        ClassSource logger = contents.source("java/util/logging/Logger").orElseThrow();
        assertThat(logger.source()).isEqualTo(new SourceFile("jrt:/java.logging", "java/util/logging/Logger.class"));
        assertThat(logger.bytes()).startsWith((byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE);
        assertThat(contents.source("module-info")).isEmpty();
        assertThat(contents.source("java/lang/Object")).isEmpty();     // java.base is another module
    }

    @Test
    void theModuleReadersGiveTheClassesTheJrtFileSystemGives() throws Exception {
        for (String module : List.of("java.logging", "java.base")) {
            List<RuntimeImage.ImageClass> direct = SystemModuleClasses.read("jrt:/" + module, module);
            List<RuntimeImage.ImageClass> throughJrt = JrtImageClasses.read("jrt:/" + module, null, module);
            assertThat(direct).hasSameSizeAs(throughJrt).hasSizeGreaterThan(10);
            for (int i = 0; i < direct.size(); i++) {
                assertThat(direct.get(i).internalName()).isEqualTo(throughJrt.get(i).internalName());
                assertThat(direct.get(i).entry()).isEqualTo(throughJrt.get(i).entry());
                assertThat(direct.get(i).content().read()).isEqualTo(throughJrt.get(i).content().read());
            }
        }
    }

    @Test
    void aJdkHomeAndItsModulesFileAreTheWholeImage() throws AnalysisException {
        assertThat(RuntimeImage.of(HOME)).contains(new RuntimeImage(HOME.resolve("lib/modules").toString(), HOME, null));
        Path modules = HOME.resolve("lib/modules");
        assertThat(RuntimeImage.of(modules)).contains(new RuntimeImage(modules.toString(), HOME, null));
        assertThat(RuntimeImage.of(Path.of("jrt:/"))).contains(new RuntimeImage("jrt:/", null, null));
        assertThat(RuntimeImage.of(HOME.resolve("lib"))).isEmpty();
    }

    @Test
    void aModuleTheImageDoesNotHaveIsBadInputNamingIt() {
        assertThatThrownBy(() -> ClassPathReader.read(List.of(Path.of("jrt:/no.such.module"))))
                .isInstanceOf(AnalysisException.class)
                .hasMessage("jrt:/no.such.module: no module no.such.module in this runtime image");
    }
}
