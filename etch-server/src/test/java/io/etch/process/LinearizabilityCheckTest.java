package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.process.LinearizabilityCheck.Change;
import io.etch.process.LinearizabilityCheck.Kv;
import io.etch.process.LinearizabilityCheck.Point;
import io.etch.process.LinearizabilityCheck.Read;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker of the fault tests finds what it is meant to find, and nothing in a correct history. */
class LinearizabilityCheckTest {
    private static final List<Change> HISTORY = List.of(
            new Change(2, "/k/a", "1"), new Change(3, "/k/b", "2"), new Change(4, "/k/a", "3"), new Change(5, "/k/b", null));

    private static Read get(long revision, Kv... kvs) {
        return new Read("r", 0, true, "/k/a", null, 0, 0, 1, revision, List.of(kvs), kvs.length, false);
    }

    private static Read prefix(long revision, int limit, long count, boolean more, Kv... kvs) {
        return new Read("p", 0, true, null, "/k/", limit, 0, 1, revision, List.of(kvs), count, more);
    }

    @Test
    void readsAgreeWithTheStateAtTheirRevision() {
        assertThat(LinearizabilityCheck.readsMatchHistory(List.of(
                get(1), get(2, new Kv("/k/a", "1", 2)), get(3, new Kv("/k/a", "1", 2)), get(5, new Kv("/k/a", "3", 4)),
                prefix(3, 1, 2, true, new Kv("/k/a", "1", 2)),
                prefix(3, 0, 2, false, new Kv("/k/a", "1", 2), new Kv("/k/b", "2", 3)),
                prefix(5, 5, 1, false, new Kv("/k/a", "3", 4))), HISTORY)).isEmpty();
    }

    @Test
    void staleOrInventedReadsAreFound() {
        List<String> v = LinearizabilityCheck.readsMatchHistory(List.of(
                get(4, new Kv("/k/a", "1", 2)),                         // stale value at rev 4
                get(3),                                                 // a key that exists, missing
                prefix(5, 5, 2, false, new Kv("/k/a", "3", 4), new Kv("/k/b", "2", 3)), // a deleted key returned
                prefix(3, 1, 2, false, new Kv("/k/a", "1", 2)),         // more is wrong
                get(9)), HISTORY);                                      // a revision that never existed
        assertThat(v).hasSize(5);
    }

    @Test
    void realTimeOrderHoldsForAHistoryInOrder() {
        assertThat(LinearizabilityCheck.realTimeOrder(List.of(
                new Point("w2", true, 0, 10, 2), new Point("w3", true, 5, 20, 3),   // concurrent: any order
                new Point("r", false, 11, 12, 2), new Point("w4", true, 30, Long.MAX_VALUE, 4),
                new Point("r2", false, 31, 32, 3)))).isEmpty();                       // w4 may not have happened yet
    }

    @Test
    void aStaleLinearizableReadAndAWriteOrderedBeforeAnEarlierOneAreFound() {
        List<String> v = LinearizabilityCheck.realTimeOrder(List.of(
                new Point("w5", true, 0, 10, 5),
                new Point("stale read", false, 11, 12, 4),      // misses w5, acknowledged before it started
                new Point("w4", true, 13, 14, 4)));              // started after w5 and the read returned, yet ordered before
        assertThat(v).hasSize(3);
        assertThat(v.get(0)).startsWith("stale read at rev 4 started after w5");
    }
}
