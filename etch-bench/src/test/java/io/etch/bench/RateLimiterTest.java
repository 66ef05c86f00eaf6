package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void spacesRequestsOneIntervalApart() {
        RateLimiter r = new RateLimiter(100); // 10 ms
        long now = 1_000_000_000L;
        assertThat(r.reserve(now)).isEqualTo(now);
        assertThat(r.reserve(now)).isEqualTo(now + 10_000_000L);
        assertThat(r.reserve(now + 1)).isEqualTo(now + 20_000_000L);
    }

    @Test
    void idleTimeDoesNotBuildUpABurst() {
        RateLimiter r = new RateLimiter(10); // 100 ms
        assertThat(r.reserve(0)).isZero();
        // A second later: one request at once, the next one interval after it, not ten at once.
        long later = 1_000_000_000L;
        assertThat(r.reserve(later)).isEqualTo(later);
        assertThat(r.reserve(later)).isEqualTo(later + 100_000_000L);
    }

    @Test
    void zeroMeansNoLimit() {
        assertThat(RateLimiter.ofFlag(0)).isNull();
        assertThat(RateLimiter.ofFlag(5)).isNotNull();
        assertThatThrownBy(() -> RateLimiter.ofFlag(-1)).hasMessageContaining("--rate");
        assertThatThrownBy(() -> new RateLimiter(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
