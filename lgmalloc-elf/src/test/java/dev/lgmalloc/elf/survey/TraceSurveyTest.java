package dev.lgmalloc.elf.survey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.analysis.PlanBuilder;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real programs doing real work under our own tracer: at the default threshold the analyser must never predict
 * a wrong size for a call that actually happened (precision 100 %), and must cover some calls. Skipped, with
 * the reason, where the program, gcc or objdump is not installed.
 */
class TraceSurveyTest {

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"git", "bash"})
    void noWrongSizeAtTheThreshold(String program) throws Exception {
        assumeTrue(Tools.onPath("gcc"), "gcc is not installed: the tracer cannot be built");
        assumeTrue(Tools.onPath("objdump"), "objdump is not installed: no baseline");
        Workload workload = Workloads.named(program);
        assumeTrue(workload != null, program + " is not installed");

        PreloadTracer tracer = PreloadTracer.build(work);
        TraceSurvey.Measurement m = TraceSurvey.measure(workload, tracer, work.resolve(program),
                PlanBuilder.DEFAULT_THRESHOLD);

        TraceCoverage c = m.coverage();
        assertThat(c.calls()).as("calls traced from %s's own code", program).isGreaterThan(1000);
        assertThat(c.wrongPredictions()).as("wrong sizes at the threshold").isEmpty();
        assertThat(c.precision()).isEqualTo(1.0);
        assertThat(c.coverage()).as("coverage at the threshold").isGreaterThan(0.1);
    }
}
