package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class WatchStatsTest {
    @Test
    void scheduleIsEvenAndDoesNotDrift() {
        assertThat(WatchStats.dueNanos(0, 200)).isZero();
        assertThat(WatchStats.dueNanos(1, 200)).isEqualTo(5_000_000L);
        assertThat(WatchStats.dueNanos(2000, 200)).isEqualTo(10_000_000_000L);
        // 3/s does not divide a second evenly; the schedule is placed against the start, so no error accumulates.
        assertThat(WatchStats.dueNanos(1, 3)).isEqualTo(333_333_333L);
        assertThat(WatchStats.dueNanos(3_000_000, 3)).isEqualTo(1_000_000_000_000_000L);
        assertThatThrownBy(() -> WatchStats.dueNanos(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void perSecond() {
        assertThat(WatchStats.perSecond(200_000, 2_000_000_000L)).isCloseTo(100_000, within(1e-9));
        assertThat(WatchStats.perSecond(5, 0)).isZero();
    }

    @Test
    void percentilesReachedFollowsReportsOnePerValueRule() {
        assertThat(WatchStats.percentilesReached(0)).isZero();
        assertThat(WatchStats.percentilesReached(1)).isZero();
        assertThat(WatchStats.percentilesReached(2)).isEqualTo(1);
        assertThat(WatchStats.percentilesReached(100)).isEqualTo(7);
        assertThat(WatchStats.percentilesReached(1000)).isEqualTo(8);
        // Agrees with where Report.percentiles stops filling.
        double[] sorted = java.util.stream.IntStream.rangeClosed(1, 150).mapToDouble(i -> i).toArray();
        double[] p = Report.percentiles(sorted);
        int reached = WatchStats.percentilesReached(sorted.length);
        for (int i = 0; i < p.length; i++) {
            assertThat(p[i] > 0).as("percentile %s", Report.PERCENTILES[i]).isEqualTo(i < reached);
        }
    }

    @Test
    void arrivalsAreMatchedToTheirPutThroughTheRevision() {
        WatchStats.Puts puts = new WatchStats.Puts(3);
        // Put 0 created revision 10, put 1 failed, put 2 created revision 12; puts 0 and 2 overlapped.
        puts.sent[0] = 1_000_000_000L;
        puts.acked[0] = 1_004_000_000L;
        puts.revision[0] = 10;
        puts.sent[1] = 1_002_000_000L;
        puts.sent[2] = 1_003_000_000L;
        puts.acked[2] = 1_005_000_000L;
        puts.revision[2] = 12;

        WatchStats.Arrivals a = new WatchStats.Arrivals(1);
        a.add(10, 1_003_000_000L); // before put 0's response
        a.add(12, 1_006_000_000L);
        a.add(11, 1_006_500_000L); // nobody of ours wrote revision 11
        WatchStats.Arrivals b = new WatchStats.Arrivals(0);
        b.add(12, 1_009_000_000L);

        WatchStats.Matched m = WatchStats.match(puts, List.of(a, b));
        assertThat(m.events()).isEqualTo(3);
        assertThat(m.foreign()).isEqualTo(1);
        assertThat(m.fromSend()).containsExactly(new double[] {0.003, 0.003, 0.006}, within(1e-12));
        assertThat(m.fromAck()).containsExactly(new double[] {-0.001, 0.001, 0.004}, within(1e-12));
        assertThat(m.firstSent()).isEqualTo(1_000_000_000L);
        assertThat(m.lastArrival()).isEqualTo(1_009_000_000L);
        assertThat(m.spanNanos()).isEqualTo(9_000_000L);
    }

    @Test
    void arrivalsGrowBeyondTheirInitialCapacity() {
        WatchStats.Arrivals a = new WatchStats.Arrivals(0);
        WatchStats.Puts puts = new WatchStats.Puts(1);
        puts.revision[0] = 5;
        for (int i = 0; i < 100; i++) {
            a.add(5, i);
        }
        assertThat(a.size()).isEqualTo(100);
        assertThat(WatchStats.match(puts, List.of(a)).events()).isEqualTo(100);
    }

    @Test
    void nothingMatchedMeansAnEmptySpan() {
        WatchStats.Matched m = WatchStats.match(new WatchStats.Puts(2), List.of(new WatchStats.Arrivals(4)));
        assertThat(m.events()).isZero();
        assertThat(m.spanNanos()).isZero();
    }

    @Test
    void latencyLinesPrintNegativeValuesAndOnlyReachedPercentiles() {
        String s = WatchLatencyCommand.latencyLines(new double[] {0.002, -0.001, 0.0});
        assertThat(s).contains("Fastest:\t-0.0010 secs.").contains("Slowest:\t0.0020 secs.");
        // Three values fill p10 and p25 only.
        assertThat(s).contains("10% in 0.0000 secs.").contains("25% in 0.0020 secs.").doesNotContain("50% in");
        assertThat(WatchLatencyCommand.latencyLines(new double[0])).isEmpty();
    }
}
