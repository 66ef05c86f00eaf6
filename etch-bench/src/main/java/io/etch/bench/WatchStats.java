package io.etch.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The bookkeeping of {@code watch-latency}, kept free of I/O so that it can be tested: when each
 * put was sent and acknowledged (with the revision it created), and when each watcher saw an
 * event of which revision. Latencies are matched afterwards through the revision, because a
 * watcher may see the event before the put's response arrives.
 */
final class WatchStats {
    private WatchStats() {
    }

    /**
     * When put {@code index} is due, in nanoseconds after the first one, for {@code rate} puts per
     * second: an even schedule that does not drift (each put is placed against the start, not the
     * previous put).
     */
    static long dueNanos(long index, int rate) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive, got " + rate);
        }
        return index * 1_000_000_000L / rate;
    }

    /** Events per second over a span of nanoseconds; 0 for an empty span. */
    static double perSecond(long events, long spanNanos) {
        return spanNanos > 0 ? events / (spanNanos / 1e9) : 0;
    }

    /**
     * How many of {@link Report#PERCENTILES} {@link Report#percentiles} fills for {@code n} values
     * (it takes at most one percentile per value, so few values leave the top ones unfilled).
     */
    static int percentilesReached(int n) {
        int j = 0;
        for (int i = 0; i < n && j < Report.PERCENTILES.length; i++) {
            if (i * 100.0 / n >= Report.PERCENTILES[j]) {
                j++;
            }
        }
        return j;
    }

    /** What every put did: send time, acknowledgement time and the revision it created (0 if it failed). */
    static final class Puts {
        final long[] sent;
        final long[] acked;
        final long[] revision;

        Puts(int total) {
            sent = new long[total];
            acked = new long[total];
            revision = new long[total];
        }

        int total() {
            return sent.length;
        }

        /** Revision to put index, for the puts that succeeded. */
        Map<Long, Integer> byRevision() {
            Map<Long, Integer> m = new HashMap<>(total() * 2);
            for (int i = 0; i < total(); i++) {
                if (revision[i] > 0) {
                    m.put(revision[i], i);
                }
            }
            return m;
        }
    }

    /**
     * Event arrivals seen on one watch stream: pairs of (revision, arrival nanos). Written by one
     * stream's callbacks, which gRPC never runs concurrently; read after the run.
     */
    static final class Arrivals {
        private long[] revisions;
        private long[] times;
        private int size;

        Arrivals(int expected) {
            revisions = new long[Math.max(16, expected)];
            times = new long[revisions.length];
        }

        void add(long revision, long nanos) {
            if (size == revisions.length) {
                int n = revisions.length * 2;
                revisions = Arrays.copyOf(revisions, n);
                times = Arrays.copyOf(times, n);
            }
            revisions[size] = revision;
            times[size] = nanos;
            size++;
        }

        int size() {
            return size;
        }
    }

    /** Latencies of the matched events, and what could not be matched. */
    record Matched(double[] fromSend, double[] fromAck, int foreign, long firstSent, long lastArrival) {
        int events() {
            return fromSend.length;
        }

        long spanNanos() {
            return events() == 0 ? 0 : lastArrival - firstSent;
        }
    }

    /**
     * Matches every arrival to the put that created its revision. An arrival whose revision no
     * successful put of ours created (another writer, or a put whose response was lost) counts as
     * foreign and gets no latency. Latencies are in seconds, from the put's send and from its
     * acknowledgement (negative when the event beat the response).
     */
    static Matched match(Puts puts, Iterable<Arrivals> streams) {
        Map<Long, Integer> byRev = puts.byRevision();
        int n = 0;
        for (Arrivals a : streams) {
            n += a.size;
        }
        double[] fromSend = new double[n];
        double[] fromAck = new double[n];
        int k = 0;
        int foreign = 0;
        long firstSent = Long.MAX_VALUE;
        long lastArrival = Long.MIN_VALUE;
        for (Arrivals a : streams) {
            for (int j = 0; j < a.size; j++) {
                Integer idx = byRev.get(a.revisions[j]);
                if (idx == null) {
                    foreign++;
                    continue;
                }
                long t = a.times[j];
                fromSend[k] = (t - puts.sent[idx]) / 1e9;
                fromAck[k] = (t - puts.acked[idx]) / 1e9;
                k++;
                firstSent = Math.min(firstSent, puts.sent[idx]);
                lastArrival = Math.max(lastArrival, t);
            }
        }
        if (k == 0) {
            firstSent = 0;
            lastArrival = 0;
        }
        return new Matched(Arrays.copyOf(fromSend, k), Arrays.copyOf(fromAck, k), foreign, firstSent, lastArrival);
    }
}
