package io.etch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoValuesTest {
    @Test
    void durationsParseLikeGo() {
        assertThat(GoValues.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(GoValues.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoValues.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(GoValues.parseDuration("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(GoValues.parseDuration("0")).isZero();
        assertThat(GoValues.parseDuration("-2us")).isEqualTo(Duration.ofNanos(-2000));
        assertThatThrownBy(() -> GoValues.parseDuration("5")).hasMessage("time: missing unit in duration \"5\"");
        assertThatThrownBy(() -> GoValues.parseDuration("5d")).hasMessage("time: unknown unit \"d\" in duration \"5d\"");
        assertThatThrownBy(() -> GoValues.parseDuration("")).hasMessage("time: invalid duration \"\"");
    }

    @Test
    void durationsPrintLikeGo() {
        assertThat(GoValues.formatDuration(Duration.ofMinutes(10))).isEqualTo("10m0s");
        assertThat(GoValues.formatDuration(Duration.ofHours(2))).isEqualTo("2h0m0s");
        assertThat(GoValues.formatDuration(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(GoValues.formatDuration(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(GoValues.formatDuration(Duration.ofNanos(1500))).isEqualTo("1.5\u00b5s");
        assertThat(GoValues.formatDuration(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void numbersParseLikeStrconv() {
        assertThat(GoValues.parseUint("0x10", 64)).isEqualTo(16);
        assertThat(GoValues.parseUint("010", 64)).isEqualTo(8);
        assertThat(GoValues.parseUint("18446744073709551615", 64)).isEqualTo(-1L);
        assertThatThrownBy(() -> GoValues.parseUint("-1", 64)).hasMessage("parse error");
        assertThatThrownBy(() -> GoValues.parseUint("18446744073709551616", 64)).hasMessage("value out of range");
        assertThat(GoValues.parseInt("-5", 64)).isEqualTo(-5);
        assertThat(GoValues.parseBool("T")).isTrue();
        assertThatThrownBy(() -> GoValues.parseBool("yes")).hasMessage("parse error");
    }
}
