package dev.lgmalloc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationTest {

    @Test
    void sitesFallIntoTheirBandAndCountWhenEveryRequestWasInTheirSet() {
        List<Calibration.Band> bands = Calibration.of(List.of(
                new Calibration.Observation(1.0, 10, 10),      // right
                new Calibration.Observation(0.95, 4, 3),       // wrong once: not "always in set"
                new Calibration.Observation(0.93, 5, 5),
                new Calibration.Observation(0.7, 2, 0),
                new Calibration.Observation(0.3, 0, 0)));      // never ran: says nothing
        assertThat(bands).extracting(Calibration.Band::from).containsExactly(0.95, 0.9, 0.7, 0.5, 0.0);
        assertThat(bands.get(0)).isEqualTo(new Calibration.Band(0.95, 1.0, 2, 1, 14, 13));
        assertThat(bands.get(1)).isEqualTo(new Calibration.Band(0.9, 0.95, 1, 1, 5, 5));
        assertThat(bands.get(2)).isEqualTo(new Calibration.Band(0.7, 0.9, 1, 0, 2, 0));
        assertThat(bands.get(3).sites()).isZero();
        assertThat(bands.get(4).sites()).isZero();
        assertThat(bands.get(0).siteShare()).isEqualTo("50.0%");
        assertThat(bands.get(0).callShare()).isEqualTo("92.9%");
        assertThat(Calibration.table(bands)).contains("[0.95, 1.00]      2         1  50.0%         14        13  92.9%")
                .contains("[0.00, 0.50)      0         0      -          0         0      -");
    }
}
