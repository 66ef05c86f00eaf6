package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoFormatTest {
    @Test
    void fixedRoundsTheExactBinaryValueAsGoDoes() {
        assertThat(GoFormat.fixed(2.5, 4)).isEqualTo("2.5000");
        assertThat(GoFormat.fixed(0.00949999, 4)).isEqualTo("0.0095");
        // 0.00115 is stored as 0.0011499999...: Go prints 0.0011 where rounding the decimal text gives 0.0012.
        assertThat(GoFormat.fixed(0.00115, 4)).isEqualTo("0.0011");
        assertThat(String.format(java.util.Locale.ROOT, "%.4f", 0.00115)).isEqualTo("0.0012");
        // 0.00125 is stored as 0.0012500000...03: up.
        assertThat(GoFormat.fixed(0.00125, 4)).isEqualTo("0.0013");
        // 0.5 and 1.5 are exact: half-even.
        assertThat(GoFormat.fixed(0.5, 0)).isEqualTo("0");
        assertThat(GoFormat.fixed(1.5, 0)).isEqualTo("2");
        assertThat(GoFormat.fixed(12345.67891, 4)).isEqualTo("12345.6789");
        assertThat(GoFormat.fixed(-0.00001, 4)).isEqualTo("-0.0000");
        assertThat(GoFormat.fixed(-1.25, 1)).isEqualTo("-1.2");
    }

    @Test
    void gIsShortestWithExponentOutsideMinusFourToSix() {
        assertThat(GoFormat.g(0.0123)).isEqualTo("0.0123");
        assertThat(GoFormat.g(0.0001)).isEqualTo("0.0001");
        assertThat(GoFormat.g(0.00001)).isEqualTo("1e-05");
        assertThat(GoFormat.g(0.000015)).isEqualTo("1.5e-05");
        assertThat(GoFormat.g(12345.5)).isEqualTo("12345.5");
        assertThat(GoFormat.g(999999)).isEqualTo("999999");
        assertThat(GoFormat.g(1234567)).isEqualTo("1.234567e+06");
        assertThat(GoFormat.g(100)).isEqualTo("100");
        assertThat(GoFormat.g(1e21)).isEqualTo("1e+21");
        assertThat(GoFormat.g(1.0 / 3)).isEqualTo("0.3333333333333333");
        assertThat(GoFormat.g(0)).isEqualTo("0");
        assertThat(GoFormat.g(-2.5)).isEqualTo("-2.5");
        assertThat(GoFormat.g(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }

    @Test
    void durationPrintsAsGoDurationString() {
        assertThat(GoFormat.duration(0)).isEqualTo("0s");
        assertThat(GoFormat.duration(850)).isEqualTo("850ns");
        assertThat(GoFormat.duration(1_500)).isEqualTo("1.5µs");
        assertThat(GoFormat.duration(2_000)).isEqualTo("2µs");
        assertThat(GoFormat.duration(12_250_000)).isEqualTo("12.25ms");
        assertThat(GoFormat.duration(1_234_567)).isEqualTo("1.234567ms");
        assertThat(GoFormat.duration(1_000_000_000)).isEqualTo("1s");
        assertThat(GoFormat.duration(62_500_000_000L)).isEqualTo("1m2.5s");
        assertThat(GoFormat.duration(3_600_000_000_000L)).isEqualTo("1h0m0s");
        assertThat(GoFormat.duration(-1_500)).isEqualTo("-1.5µs");
    }

    @Test
    void parsesGoDurations() {
        assertThat(GoFormat.parseDuration("0")).isZero();
        assertThat(GoFormat.parseDuration("300ms")).isEqualTo(300_000_000L);
        assertThat(GoFormat.parseDuration("1.5s")).isEqualTo(1_500_000_000L);
        assertThat(GoFormat.parseDuration("1m30s")).isEqualTo(90_000_000_000L);
        assertThat(GoFormat.parseDuration("2h")).isEqualTo(7_200_000_000_000L);
        assertThat(GoFormat.parseDuration("10us")).isEqualTo(10_000L);
        assertThat(GoFormat.parseDuration("10µs")).isEqualTo(10_000L);
        assertThat(GoFormat.parseDuration("-5s")).isEqualTo(-5_000_000_000L);
        assertThatThrownBy(() -> GoFormat.parseDuration("5")).hasMessageContaining("missing unit");
        assertThatThrownBy(() -> GoFormat.parseDuration("5d")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> GoFormat.parseDuration("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoFormat.parseDuration("s")).isInstanceOf(IllegalArgumentException.class);
    }
}
