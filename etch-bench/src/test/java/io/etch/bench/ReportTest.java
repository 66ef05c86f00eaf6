package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReportTest {
    /** 1..n milliseconds, in seconds, ascending. */
    private static double[] millis(int n) {
        return IntStream.rangeClosed(1, n).mapToDouble(i -> i / 1000.0).toArray();
    }

    @Test
    void percentilesFollowEtcdsRule() {
        // n = 100: index i is the (i*100/n)th percentile, so p10 is index 10 (11 ms), p99.9 is never reached.
        double[] p = Report.percentiles(millis(100));
        assertThat(p).containsExactly(0.011, 0.026, 0.051, 0.076, 0.091, 0.096, 0.100, 0.0);
    }

    @Test
    void percentilesOfThousandValuesReachTheTail() {
        double[] p = Report.percentiles(millis(1000));
        assertThat(p).containsExactly(0.101, 0.251, 0.501, 0.751, 0.901, 0.951, 0.991, 1.0);
    }

    @Test
    void percentilesTakeAtMostOneValueEach() {
        // Two values: index 0 (0%) reaches no percentile, index 1 (50%) fills p10 only; the rest stay empty.
        assertThat(Report.percentiles(new double[] {1, 2})).containsExactly(2, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Report.percentiles(new double[0])).containsOnly(0.0);
    }

    @Test
    void histogramSplitsFastestToSlowestIntoTenSteps() {
        Report.Histogram h = Report.histogram(millis(100));
        assertThat(h.bounds()).hasSize(11);
        assertThat(h.bounds()[0]).isEqualTo(0.001);
        assertThat(h.bounds()[1]).isCloseTo(0.0109, within(1e-12));
        assertThat(h.bounds()[10]).isEqualTo(0.100);
        // The first bucket holds only the fastest value; each other one the values above the previous bound.
        assertThat(h.counts()).containsExactly(1, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10);
        assertThat(IntStream.of(h.counts()).sum()).isEqualTo(100);
    }

    @Test
    void histogramOfEqualValuesPutsAllInTheFirstBucket() {
        Report.Histogram h = Report.histogram(new double[] {0.5, 0.5, 0.5});
        assertThat(h.counts()[0]).isEqualTo(3);
        assertThat(IntStream.of(h.counts()).sum()).isEqualTo(3);
    }

    @Test
    void summaryStatistics() {
        Report r = new Report(new double[] {0.004, 0.001, 0.003, 0.002}, Map.of(), 2.0);
        assertThat(r.fastest()).isEqualTo(0.001);
        assertThat(r.slowest()).isEqualTo(0.004);
        assertThat(r.average()).isCloseTo(0.0025, within(1e-12));
        assertThat(r.stddev()).isCloseTo(Math.sqrt(0.00000125), within(1e-12));
        assertThat(r.requestsPerSecond()).isEqualTo(2.0);
    }

    @Test
    void printsEtcdsSections() {
        Report r = new Report(millis(1000), Map.of("rpc error: code = UNAVAILABLE desc = down", 3L), 4.0);
        String s = r.toString();
        assertThat(s).contains("\nSummary:\n", "  Total:\t4.0000 secs.\n", "  Slowest:\t1.0000 secs.\n",
            "  Fastest:\t0.0010 secs.\n", "  Requests/sec:\t250.0000\n", "\nResponse time histogram:\n",
            "  0.0010 [1]\t|\n", "\nLatency distribution:\n", "  10% in 0.1010 secs.\n",
            "  99.9% in 1.0000 secs.\n", "\nError distribution:\n",
            "  [3]\trpc error: code = UNAVAILABLE desc = down\n");
        assertThat(new Report(new double[0], Map.of(), 1.0).toString()).isEmpty();
    }

    @Test
    void keysAreGoVarintsPaddedWithZeros() {
        assertThat(Keys.key(8, 0)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Keys.key(8, 1)).containsExactly(2, 0, 0, 0, 0, 0, 0, 0);
        assertThat(Keys.key(4, 99_999)).containsExactly(0xbe, 0x9a, 0x0c, 0);
        assertThat(Keys.varintLength(Keys.zigZag(99_999))).isEqualTo(3);
        assertThat(Keys.varintLength(Keys.zigZag(63))).isEqualTo(1);
        assertThat(Keys.varintLength(Keys.zigZag(64))).isEqualTo(2);
    }

    @Test
    void preciseFormatIsGosG() {
        String s = new Report(new double[] {0.00001, 0.5}, Map.of(), 2.0, true, null).toString();
        assertThat(s).contains("  Fastest:\t1e-05 secs.\n", "  Slowest:\t0.5 secs.\n", "  Requests/sec:\t1\n",
            "  1e-05 [1]\t|", "  10% in 0.5 secs.\n");
    }

    @Test
    void sampleSectionFollowsTheLatencyDistribution() {
        TimeSeries ts = TimeSeries.of(new long[] {7_000_000_000L}, new long[] {1_000_000});
        String s = new Report(new double[] {0.001}, Map.of(), 1.0, false, ts).toString();
        assertThat(s).contains("\nLatency distribution:\n");
        assertThat(s.indexOf("Sample in one second")).isGreaterThan(s.indexOf("Latency distribution"));
        assertThat(s).endsWith("7,1ms,1ms,1ms,1\n\n");
    }

    @Test
    void resultLineCarriesTheNumbersScriptsNeed() {
        Report r = new Report(millis(1000), Map.of("x", 2L), 4.0);
        String line = r.resultLine("put", 2_000_000_000L, 4_000_000_000L);
        assertThat(line).startsWith("etch-bench-result op=put ok=1000 failed=2 secs=4.000000 rps=250.0000 ")
            .contains(" p50=0.501000 ", " p90=0.901000 ", " p99=0.991000 ", " p999=1.000000 ", " slowest=1.000000 ")
            .endsWith(" client_cpu_secs=2.0000 client_cores=0.5000");
    }

    @Test
    void resultsSplitIntoReportsByIndex() {
        LoadRunner.Results res = new LoadRunner.Results(4, false);
        res.success(0, 0, 1_000_000);
        res.success(1, 0, 3_000_000);
        res.failure(2, new ErrorText.BenchException("boom"));
        // index 3 never ran
        res.wallNanos = 1_000_000_000L;
        BenchSettings s = new BenchSettings(java.util.List.of("x:1"), 1, 1, false, false, false, 0, false, false, 0, null);
        Report even = res.report(i -> i % 2 == 0, s);
        assertThat(even.successes()).isEqualTo(1);
        assertThat(even.failures()).isEqualTo(1);
        assertThat(even.fastest()).isEqualTo(0.001);
        Report all = res.report(s);
        assertThat(all.successes()).isEqualTo(2);
        assertThat(all.average()).isCloseTo(0.002, within(1e-12));
        assertThat(all.requestsPerSecond()).isEqualTo(2.0);
        assertThat(all.toString()).contains("  [1]\tboom\n");
        assertThat(res.completed.get()).isEqualTo(3);
    }

    @Test
    void clientCpuLine() {
        assertThat(LoadRunner.Results.cpuLine(1_500_000_000L, 3_000_000_000L, 2_000_000_000L, 2))
            .isEqualTo("\nClient CPU:\t1.5000 secs during the run (0.50 of 2 cores), 2.0000 secs in all.\n");
        assertThat(LoadRunner.Results.cpuLine(-1, 1, 1, 2)).contains("unknown");
    }

    @Test
    void histogramOfTheSlowestValueOnlyReachesTheLastBucket() {
        Report.Histogram h = Report.histogram(new double[] {0.0, 0.0, 1.0});
        assertThat(h.counts()).containsExactly(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        assertThat(h.bounds()[10]).isEqualTo(1.0);
    }
}
