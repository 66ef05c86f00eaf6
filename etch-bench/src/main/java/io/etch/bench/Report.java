package io.etch.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary of one benchmark run, printed as etcd's benchmark tool prints it (its
 * {@code pkg/report}): summary, response time histogram, latency distribution and the error
 * distribution. Latencies are in seconds; only successful requests count towards them.
 */
final class Report {
    /** The percentiles etcd's report prints. */
    static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};

    /** Number of equal-width histogram buckets; one more bucket holds exactly the slowest value. */
    static final int HISTOGRAM_BUCKETS = 10;

    private static final String BAR = "∎";
    private static final int BAR_WIDTH = 40;

    private final double[] lats;
    private final Map<String, Long> errors;
    private final double totalSeconds;
    private final boolean precise;
    private final TimeSeries series;
    private final double fastest;
    private final double slowest;
    private final double average;
    private final double stddev;
    private final double rps;

    /**
     * @param latencies    seconds per successful request, in any order (not modified)
     * @param errors       error message to occurrence count
     * @param totalSeconds wall time of the whole run
     */
    Report(double[] latencies, Map<String, Long> errors, double totalSeconds) {
        this(latencies, errors, totalSeconds, false, null);
    }

    /**
     * @param precise print numbers as Go's {@code %g} (etcd's {@code --precise}) instead of {@code %4.4f}
     * @param series  the per-second samples to print (etcd's {@code --sample}), or null
     */
    Report(double[] latencies, Map<String, Long> errors, double totalSeconds, boolean precise, TimeSeries series) {
        this.precise = precise;
        this.series = series;
        this.lats = latencies.clone();
        Arrays.sort(this.lats);
        this.errors = new TreeMap<>(errors);
        this.totalSeconds = totalSeconds;
        int n = lats.length;
        double sum = 0;
        for (double l : lats) {
            sum += l;
        }
        this.average = n == 0 ? 0 : sum / n;
        double sq = 0;
        for (double l : lats) {
            double d = l - average;
            sq += d * d;
        }
        this.stddev = n == 0 ? 0 : Math.sqrt(sq / n);
        this.fastest = n == 0 ? 0 : lats[0];
        this.slowest = n == 0 ? 0 : lats[n - 1];
        this.rps = totalSeconds > 0 ? n / totalSeconds : 0;
    }

    int successes() {
        return lats.length;
    }

    long failures() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    double fastest() {
        return fastest;
    }

    double slowest() {
        return slowest;
    }

    double average() {
        return average;
    }

    double stddev() {
        return stddev;
    }

    double requestsPerSecond() {
        return rps;
    }

    /** The latency at each of {@link #PERCENTILES}. */
    double[] percentiles() {
        return percentiles(lats);
    }

    /**
     * etcd's percentile rule: walking the sorted values, the value at index {@code i} is taken
     * for the next pending percentile {@code p} once {@code i * 100 / n >= p}; at most one
     * percentile per value, and percentiles never reached stay 0.
     *
     * @param sorted latencies in ascending order
     */
    static double[] percentiles(double[] sorted) {
        double[] data = new double[PERCENTILES.length];
        int j = 0;
        int n = sorted.length;
        for (int i = 0; i < n && j < PERCENTILES.length; i++) {
            double current = i * 100.0 / n;
            if (current >= PERCENTILES[j]) {
                data[j] = sorted[i];
                j++;
            }
        }
        return data;
    }

    /** Histogram bucket upper bounds and counts, as in etcd's report. */
    record Histogram(double[] bounds, int[] counts) {
        int max() {
            return Arrays.stream(counts).max().orElse(0);
        }
    }

    /**
     * Splits [fastest, slowest] into {@link #HISTOGRAM_BUCKETS} equal steps; bucket {@code k}
     * counts the values above bound {@code k-1} and at most bound {@code k}; the first bound is
     * the fastest value and the last the slowest, so every value lands in some bucket.
     *
     * @param sorted latencies in ascending order
     */
    static Histogram histogram(double[] sorted) {
        int bc = HISTOGRAM_BUCKETS;
        double[] bounds = new double[bc + 1];
        int[] counts = new int[bc + 1];
        if (sorted.length == 0) {
            return new Histogram(bounds, counts);
        }
        double fastest = sorted[0];
        double slowest = sorted[sorted.length - 1];
        double step = (slowest - fastest) / bc;
        for (int k = 0; k < bc; k++) {
            bounds[k] = fastest + step * k;
        }
        bounds[bc] = slowest;
        int b = 0;
        for (double v : sorted) {
            while (v > bounds[b] && b < bc) {
                b++;
            }
            counts[b]++;
        }
        return new Histogram(bounds, counts);
    }

    /** A number as etcd's report prints it: {@code %4.4f}, or {@code %g} with {@code --precise}. */
    private String num(double v) {
        return precise ? GoFormat.g(v) : GoFormat.fixed(v, 4);
    }

    private String sec(double seconds) {
        return num(seconds) + " secs";
    }

    /** Prints 10 as "10" and 99.9 as "99.9", as Go's %v does. */
    static String pct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    /**
     * One machine-readable line ({@code --result-line}) for scripts: counts, wall time, requests
     * per second, latencies in seconds and the client's CPU use over the run.
     */
    String resultLine(String op, long cpuNanos, long wallNanos) {
        double[] p = percentiles();
        return String.format(Locale.ROOT,
            "etch-bench-result op=%s ok=%d failed=%d secs=%.6f rps=%.4f avg=%.6f stddev=%.6f fastest=%.6f"
                + " p50=%.6f p90=%.6f p99=%.6f p999=%.6f slowest=%.6f client_cpu_secs=%.4f client_cores=%.4f",
            op, successes(), failures(), totalSeconds, rps, average, stddev, fastest, p[2], p[4], p[6], p[7], slowest,
            Math.max(0, cpuNanos) / 1e9, LoadRunner.Results.clientCores(cpuNanos, wallNanos));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if (lats.length > 0) {
            s.append("\nSummary:\n");
            s.append("  Total:\t").append(sec(totalSeconds)).append(".\n");
            s.append("  Slowest:\t").append(sec(slowest)).append(".\n");
            s.append("  Fastest:\t").append(sec(fastest)).append(".\n");
            s.append("  Average:\t").append(sec(average)).append(".\n");
            s.append("  Stddev:\t").append(sec(stddev)).append(".\n");
            s.append("  Requests/sec:\t").append(num(rps)).append('\n');

            Histogram h = histogram(lats);
            int max = h.max();
            s.append("\nResponse time histogram:\n");
            for (int k = 0; k < h.bounds().length; k++) {
                int barLen = max > 0 ? h.counts()[k] * BAR_WIDTH / max : 0;
                s.append("  ").append(num(h.bounds()[k])).append(" [").append(h.counts()[k]).append("]\t|")
                    .append(BAR.repeat(barLen)).append('\n');
            }

            double[] data = percentiles(lats);
            s.append("\nLatency distribution:\n");
            for (int k = 0; k < PERCENTILES.length; k++) {
                if (data[k] > 0) {
                    s.append("  ").append(pct(PERCENTILES[k])).append("% in ").append(sec(data[k])).append(".\n");
                }
            }
            if (series != null) {
                s.append(series).append('\n');
            }
        }
        if (!errors.isEmpty()) {
            s.append("\nError distribution:\n");
            errors.forEach((msg, count) -> s.append("  [").append(count).append("]\t").append(msg).append('\n'));
        }
        return s.toString();
    }
}
