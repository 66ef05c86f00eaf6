package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TimeSeriesTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void groupsByStartSecondAndFillsGaps() {
        long t0 = 1_700_000_000L * S;
        TimeSeries ts = TimeSeries.of(
            new long[] {t0 + 100 * MS, t0 + 900 * MS, t0 + 3 * S + 1},
            new long[] {2 * MS, 4 * MS, 7 * MS});
        List<TimeSeries.Point> p = ts.points();
        assertThat(p).containsExactly(
            new TimeSeries.Point(1_700_000_000L, 2 * MS, 3 * MS, 4 * MS, 2),
            new TimeSeries.Point(1_700_000_001L, 0, 0, 0, 0),
            new TimeSeries.Point(1_700_000_002L, 0, 0, 0, 0),
            new TimeSeries.Point(1_700_000_003L, 7 * MS, 7 * MS, 7 * MS, 1));
    }

    @Test
    void aZeroLatencyIsNotTheMinimumOfASecondWithOthers() {
        TimeSeries ts = TimeSeries.of(new long[] {5 * S, 5 * S, 5 * S}, new long[] {3 * MS, 0, 1 * MS});
        TimeSeries.Point p = ts.points().get(0);
        assertThat(p.minNanos()).isEqualTo(1 * MS);
        assertThat(p.maxNanos()).isEqualTo(3 * MS);
        assertThat(p.avgNanos()).isEqualTo(4 * MS / 3);
        assertThat(p.count()).isEqualTo(3);
    }

    @Test
    void printsEtcdsCsvSection() {
        TimeSeries ts = TimeSeries.of(new long[] {10 * S, 11 * S + 5}, new long[] {1_500, 2 * S});
        assertThat(ts.toString()).isEqualTo("\nSample in one second (unix latency throughput):\n"
            + "UNIX-SECOND,MIN-LATENCY-MS,AVG-LATENCY-MS,MAX-LATENCY-MS,AVG-THROUGHPUT\n"
            + "10,1.5µs,1.5µs,1.5µs,1\n"
            + "11,2s,2s,2s,1\n");
        assertThat(TimeSeries.of(new long[0], new long[0]).points()).isEmpty();
        assertThatThrownBy(() -> TimeSeries.of(new long[1], new long[2])).isInstanceOf(IllegalArgumentException.class);
    }
}
