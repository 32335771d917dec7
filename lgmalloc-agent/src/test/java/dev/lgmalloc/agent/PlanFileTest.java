package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a plan file that cannot be applied says: each reason names the file, the entry or the line. */
class PlanFileTest {

    @TempDir
    Path dir;

    private ApplicationClassPath oneJar() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        return ApplicationClassPath.of(jar.toString());
    }

    @Test
    void aDamagedInputLineIsReportedWithItsLine() throws Exception {
        Path plan = Files.writeString(dir.resolve("bad.plan"), "lgmalloc-plan 1\ninput\tapp.jar\tnot-hex\n");
        assertThatThrownBy(() -> PlanFile.load(plan, oneJar()))
                .isInstanceOf(PlanFile.PlanMismatchException.class)
                .hasMessageStartingWith("the plan file " + plan + " is damaged at line 2: ");
    }

    @Test
    void aMissingFileIsReportedAsUnreadable() throws Exception {
        Path plan = dir.resolve("absent.plan");
        assertThatThrownBy(() -> PlanFile.load(plan, oneJar()))
                .hasMessageStartingWith("cannot read the plan file " + plan);
    }

    @Test
    void differencesNameTheEntry() {
        PlanFile.Input a = new PlanFile.Input("a.jar", 1);
        PlanFile.Input b = new PlanFile.Input("b.jar", 2);
        assertThat(PlanFile.difference(List.of(a, b), List.of(a, b))).isNull();
        assertThat(PlanFile.difference(List.of(a), List.of(a, b)))
                .isEqualTo("the class path has b.jar (entry 2), the plan has no entry there");
        assertThat(PlanFile.difference(List.of(a, b), List.of(a)))
                .isEqualTo("the plan has b.jar (entry 2), the class path has no entry there");
        assertThat(PlanFile.difference(List.of(b), List.of(a))).isEqualTo("entry 1 is a.jar, the plan has b.jar");
        assertThat(PlanFile.difference(List.of(a), List.of(new PlanFile.Input("a.jar", 9))))
                .isEqualTo("a.jar changed since the plan was written (its content differs)");
    }
}
