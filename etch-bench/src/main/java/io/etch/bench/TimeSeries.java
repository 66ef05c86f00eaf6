package io.etch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Per-second samples of a run, as etcd's report prints them with {@code --sample}: for every wall
 * clock second in which requests started, the fastest, average and slowest latency and how many
 * started; seconds without requests between the first and the last are filled in with zeros.
 */
final class TimeSeries {
    /** One second's sample; latencies in nanoseconds. */
    record Point(long unixSecond, long minNanos, long avgNanos, long maxNanos, long count) {
    }

    private final List<Point> points;

    private TimeSeries(List<Point> points) {
        this.points = points;
    }

    List<Point> points() {
        return points;
    }

    /**
     * @param startUnixNanos when each request started, in nanoseconds since the epoch
     * @param latencyNanos   how long each took; same order, same length
     */
    static TimeSeries of(long[] startUnixNanos, long[] latencyNanos) {
        if (startUnixNanos.length != latencyNanos.length) {
            throw new IllegalArgumentException("start and latency arrays differ in length");
        }
        // second -> {min, max, total, count}
        TreeMap<Long, long[]> bySecond = new TreeMap<>();
        for (int i = 0; i < startUnixNanos.length; i++) {
            long sec = Math.floorDiv(startUnixNanos[i], 1_000_000_000L);
            long lat = latencyNanos[i];
            long[] p = bySecond.get(sec);
            if (p == null) {
                bySecond.put(sec, new long[] {lat, lat, lat, 1});
            } else {
                // As etcd's: a zero latency never becomes the minimum of a second that has others.
                if (lat != 0) {
                    p[0] = Math.min(p[0], lat);
                }
                p[1] = Math.max(p[1], lat);
                p[2] += lat;
                p[3]++;
            }
        }
        List<Point> points = new ArrayList<>();
        if (!bySecond.isEmpty()) {
            for (long sec = bySecond.firstKey(); sec <= bySecond.lastKey(); sec++) {
                long[] p = bySecond.get(sec);
                points.add(p == null ? new Point(sec, 0, 0, 0, 0) : new Point(sec, p[0], p[2] / p[3], p[1], p[3]));
            }
        }
        return new TimeSeries(points);
    }

    /** The section etcd's report appends: a title, then CSV with a header row. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("\nSample in one second (unix latency throughput):\n");
        s.append("UNIX-SECOND,MIN-LATENCY-MS,AVG-LATENCY-MS,MAX-LATENCY-MS,AVG-THROUGHPUT\n");
        for (Point p : points) {
            s.append(p.unixSecond()).append(',')
                .append(GoFormat.duration(p.minNanos())).append(',')
                .append(GoFormat.duration(p.avgNanos())).append(',')
                .append(GoFormat.duration(p.maxNanos())).append(',')
                .append(p.count()).append('\n');
        }
        return s.toString();
    }
}
