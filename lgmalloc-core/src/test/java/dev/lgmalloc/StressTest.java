package dev.lgmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgmalloc.stress.Stress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The short version of the concurrency stress; {@code scripts/stress} runs the long one, many times. */
class StressTest {

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)   // the stress's own watchdog reports a hang after 20 s
    void aQuickStressRunLosesNothingAndChangesNothing() throws Exception {
        Allocator allocator = Allocator.create(AllocatorConfiguration.defaults());
        StringBuilder log = new StringBuilder();
        Stress.Result result = Stress.run(allocator, Stress.Options.quick(42), line -> {
            if (!line.startsWith("stress: ")  || line.contains("thread dump")) {
                log.append(line).append('\n');
            }
        });
        assertThat(result.clean()).as("%s%n%s", result, log).isTrue();
        assertThat(result.liveBytesAfter()).isZero();
        assertThat(result.committedBytesAfter()).as("committed after trim").isZero();
    }
}
