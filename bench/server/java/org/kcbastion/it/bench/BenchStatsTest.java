package org.kcbastion.it.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@DisplayName("BenchStats: the intervals the benchmark reports use")
class BenchStatsTest {

    @Test
    @DisplayName("Student's t 97.5% quantiles match the printed table (1, 15 and 47 degrees of freedom)")
    void tQuantiles() {
        assertThat(BenchStats.t95(2)).isCloseTo(12.706, within(0.001));
        assertThat(BenchStats.t95(16)).isCloseTo(2.131, within(0.001));
        assertThat(BenchStats.t95(48)).isCloseTo(2.012, within(0.001));
        assertThat(BenchStats.t95(1)).isNaN();
    }

    @Test
    @DisplayName("mean and sample standard deviation")
    void meanAndSd() {
        assertThat(BenchStats.mean(List.of(1.0, 2.0, 3.0, 4.0))).isEqualTo(2.5);
        assertThat(BenchStats.sd(List.of(1.0, 2.0, 3.0, 4.0))).isCloseTo(1.291, within(0.001));
        assertThat(BenchStats.sd(List.of(5.0))).isZero();
        assertThat(BenchStats.binomialHalfWidth(0.01, 10_000)).isCloseTo(0.00195, within(0.00001));
    }
}
