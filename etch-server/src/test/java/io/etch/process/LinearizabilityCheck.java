package io.etch.process;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Checks client operations against the store's history of revisions. Every write makes exactly one
 * revision and every answer names the revision it was served at, so the history itself is the only
 * candidate linearization and no search is needed:
 *
 * <ul>
 *   <li>a read served at revision R must return exactly what the history leaves at R;
 *   <li>real-time order: an operation that started after another one returned must be ordered after
 *       it (a write at a higher revision than every write and linearizable read that returned before
 *       it started; a linearizable read at a revision no lower than those).
 * </ul>
 *
 * A write whose outcome the client never learned takes its revision from the history (its value is
 * unique) and, having no known end, constrains nothing that comes after it.
 */
final class LinearizabilityCheck {
    /** One change of the history: a put ({@code value} set) or a delete ({@code value} null). */
    record Change(long revision, String key, String value) {}

    /** A key and value as a read returned it. */
    record Kv(String key, String value, long modRevision) {}

    /**
     * A read of one key ({@code limit} 0) or of every key under {@code prefix} with a limit, and what
     * it returned: the header revision, the kvs, count and more.
     */
    record Read(String id, int member, boolean linearizable, String key, String prefix, int limit, long start, long end,
                long revision, List<Kv> kvs, long count, boolean more) {}

    /** An operation placed in the history: its revision, and the client's start and end (MAX_VALUE if unknown). */
    record Point(String what, boolean write, long start, long end, long revision) {}

    private LinearizabilityCheck() {}

    /** Every read compared with the state the history leaves at the read's revision. */
    static List<String> readsMatchHistory(List<Read> reads, List<Change> history) {
        List<String> violations = new ArrayList<>();
        List<Read> byRevision = new ArrayList<>(reads);
        byRevision.sort(Comparator.comparingLong(Read::revision));
        List<Change> changes = new ArrayList<>(history);
        changes.sort(Comparator.comparingLong(Change::revision));
        long last = changes.isEmpty() ? 1 : changes.get(changes.size() - 1).revision();
        TreeMap<String, Kv> state = new TreeMap<>();
        int next = 0;
        for (Read r : byRevision) {
            if (r.revision() > last) {
                violations.add(describe(r) + ": served at rev " + r.revision() + ", beyond the last revision " + last);
                continue;
            }
            while (next < changes.size() && changes.get(next).revision() <= r.revision()) {
                Change c = changes.get(next++);
                if (c.value() == null) {
                    state.remove(c.key());
                } else {
                    state.put(c.key(), new Kv(c.key(), c.value(), c.revision()));
                }
            }
            List<Kv> expected;
            long count;
            boolean more;
            if (r.prefix() == null) {
                Kv kv = state.get(r.key());
                expected = kv == null ? List.of() : List.of(kv);
                count = expected.size();
                more = false;
            } else {
                NavigableMap<String, Kv> under = state.subMap(r.prefix(), true, r.prefix() + Character.MAX_VALUE, false);
                expected = under.values().stream().limit(r.limit() > 0 ? r.limit() : Long.MAX_VALUE).toList();
                count = under.size();
                more = r.limit() > 0 && under.size() > r.limit();
            }
            if (!expected.equals(r.kvs()) || count != r.count() || more != r.more()) {
                violations.add(describe(r) + ": returned " + r.kvs() + " (count " + r.count() + ", more " + r.more()
                        + ") where the history at rev " + r.revision() + " holds " + expected + " (count " + count
                        + ", more " + more + ")");
            }
        }
        return violations;
    }

    /** Real-time order between every pair of placed operations, in one sweep over start times. */
    static List<String> realTimeOrder(List<Point> points) {
        List<String> violations = new ArrayList<>();
        List<Point> byEnd = new ArrayList<>(points);
        byEnd.removeIf(p -> p.end() == Long.MAX_VALUE);
        byEnd.sort(Comparator.comparingLong(Point::end));
        List<Point> byStart = new ArrayList<>(points);
        byStart.sort(Comparator.comparingLong(Point::start));
        Point latestWrite = null;
        Point latestRead = null;
        int done = 0;
        for (Point b : byStart) {
            while (done < byEnd.size() && byEnd.get(done).end() < b.start()) {
                Point a = byEnd.get(done++);
                if (a.write() && (latestWrite == null || a.revision() > latestWrite.revision())) {
                    latestWrite = a;
                } else if (!a.write() && (latestRead == null || a.revision() > latestRead.revision())) {
                    latestRead = a;
                }
            }
            // A write makes a new revision, after every revision seen before it started; a read sees at least those.
            if (latestWrite != null && (b.write() ? b.revision() <= latestWrite.revision() : b.revision() < latestWrite.revision())) {
                violations.add(b.what() + " at rev " + b.revision() + " started after " + latestWrite.what()
                        + " returned at rev " + latestWrite.revision());
            }
            if (latestRead != null && (b.write() ? b.revision() <= latestRead.revision() : b.revision() < latestRead.revision())) {
                violations.add(b.what() + " at rev " + b.revision() + " started after " + latestRead.what()
                        + " returned at rev " + latestRead.revision());
            }
        }
        return violations;
    }

    private static String describe(Read r) {
        return String.format("%s %s read of %s via m%d", r.id(), r.linearizable() ? "linearizable" : "serializable",
                r.prefix() == null ? r.key() : r.prefix() + "* limit " + r.limit(), r.member());
    }
}
