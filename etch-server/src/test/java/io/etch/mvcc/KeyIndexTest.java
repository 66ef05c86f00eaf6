package io.etch.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class KeyIndexTest {
    private static final ByteString FOO = ByteString.copyFromUtf8("foo");

    private static Revision r(long main) {
        return new Revision(main, 0);
    }

    /** put(2) put(4) tombstone(6) put(8) put(10) tombstone(12) put(14) put(16): etcd's test key. */
    private static KeyIndex sample() {
        return KeyIndex.created(FOO, r(2)).put(r(4)).tombstone(r(6))
                .put(r(8)).put(r(10)).tombstone(r(12))
                .put(r(14)).put(r(16));
    }

    @Test
    void getFindsNewestRevisionAtOrBeforeWithVersionAndCreation() {
        KeyIndex ki = sample();
        assertThat(ki.get(1)).isNull();
        assertThat(ki.get(2)).isEqualTo(new KeyIndex.Found(r(2), 2, 1));
        assertThat(ki.get(5)).isEqualTo(new KeyIndex.Found(r(4), 2, 2));
        assertThat(ki.get(6)).isNull();
        assertThat(ki.get(7)).isNull();
        assertThat(ki.get(9)).isEqualTo(new KeyIndex.Found(r(8), 8, 1));
        assertThat(ki.get(11)).isEqualTo(new KeyIndex.Found(r(10), 8, 2));
        assertThat(ki.get(12)).isNull();
        assertThat(ki.get(13)).isNull();
        assertThat(ki.get(15)).isEqualTo(new KeyIndex.Found(r(14), 14, 1));
        assertThat(ki.get(100)).isEqualTo(new KeyIndex.Found(r(16), 14, 2));
    }

    @Test
    void putNeverChangesAnOlderVersion() {
        KeyIndex v1 = KeyIndex.created(FOO, r(2));
        KeyIndex v2 = v1.put(r(3));
        KeyIndex branch = v1.put(r(4)); // appending to an old version must copy
        assertThat(v1.get(10)).isEqualTo(new KeyIndex.Found(r(2), 2, 1));
        assertThat(v2.get(10)).isEqualTo(new KeyIndex.Found(r(3), 2, 2));
        assertThat(branch.get(10)).isEqualTo(new KeyIndex.Found(r(4), 2, 2));
        assertThat(branch.get(3)).isEqualTo(new KeyIndex.Found(r(2), 2, 1));
    }

    @Test
    void putWithSmallerRevisionIsRejected() {
        KeyIndex ki = KeyIndex.created(FOO, r(5));
        assertThatThrownBy(() -> ki.put(r(4))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ki.put(r(5))).isInstanceOf(IllegalStateException.class);
        assertThat(ki.put(new Revision(5, 1)).get(5).modified()).isEqualTo(new Revision(5, 1));
    }

    @Test
    void tombstoneOfDeletedKeyIsRejected() {
        KeyIndex ki = KeyIndex.created(FOO, r(2)).tombstone(r(3));
        assertThat(ki.isDeleted()).isTrue();
        assertThatThrownBy(() -> ki.tombstone(r(4))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void compactKeepsNewestRevisionAtOrBeforeAndDropsFinishedGenerations() {
        // etcd's doc example: put(1) put(2) tombstone(3) put(4) tombstone(5)
        KeyIndex ki = KeyIndex.created(FOO, r(1)).put(r(2)).tombstone(r(3)).put(r(4)).tombstone(r(5));
        KeyIndex at2 = ki.compact(2);
        assertThat(at2.contains(r(1))).isFalse();
        assertThat(at2.contains(r(2))).isTrue();
        assertThat(at2.contains(r(3))).isTrue();
        assertThat(at2.get(2)).isEqualTo(new KeyIndex.Found(r(2), 1, 2));

        KeyIndex at4 = ki.compact(4);
        assertThat(at4.contains(r(2))).isFalse();
        assertThat(at4.contains(r(3))).isFalse();
        assertThat(at4.contains(r(4))).isTrue();
        assertThat(at4.get(4)).isEqualTo(new KeyIndex.Found(r(4), 4, 1));

        assertThat(ki.compact(5)).isNull();
        assertThat(ki.compact(6)).isNull();
    }

    @Test
    void compactDropsTombstoneWhenItIsTheNewestRevision() {
        KeyIndex ki = KeyIndex.created(FOO, r(2)).put(r(3)).tombstone(r(4)).put(r(6));
        KeyIndex at5 = ki.compact(5);
        assertThat(at5.contains(r(4))).isFalse();
        assertThat(at5.contains(r(3))).isFalse();
        assertThat(at5.contains(r(6))).isTrue();
        assertThat(at5.get(5)).isNull();
        assertThat(at5.get(6)).isEqualTo(new KeyIndex.Found(r(6), 6, 1));
    }

    @Test
    void compactBelowFirstRevisionChangesNothing() {
        KeyIndex ki = sample();
        assertThat(ki.compact(1)).isSameAs(ki);
        assertThat(ki.compact(2)).isSameAs(ki);
    }

    @Test
    void compactKeepsAnswersAtAndAfterTheCompactedRevision() {
        KeyIndex ki = sample();
        for (long at = 1; at <= 17; at++) {
            KeyIndex c = ki.compact(at);
            for (long rev = at; rev <= 18; rev++) {
                assertThat(c == null ? null : c.get(rev)).as("compact(%d).get(%d)", at, rev).isEqualTo(ki.get(rev));
            }
        }
    }

    @Test
    void sinceListsRevisionsFromAGivenMainKeepingHighestSub() {
        KeyIndex ki = KeyIndex.created(FOO, new Revision(2, 0)).put(new Revision(2, 1))
                .tombstone(new Revision(3, 0)).put(new Revision(5, 0)).put(new Revision(6, 2));
        assertThat(ki.since(1)).containsExactly(new Revision(2, 1), new Revision(3, 0), new Revision(5, 0),
                new Revision(6, 2));
        assertThat(ki.since(4)).containsExactly(new Revision(5, 0), new Revision(6, 2));
        assertThat(ki.since(7)).isEmpty();
    }

    @Test
    void restoredKeyKnowsCreationAndVersionOfItsLatestValue() {
        KeyIndex ki = KeyIndex.restored(FOO, 3, r(9), 4).put(r(11));
        assertThat(ki.get(9)).isEqualTo(new KeyIndex.Found(r(9), 3, 4));
        assertThat(ki.get(11)).isEqualTo(new KeyIndex.Found(r(11), 3, 5));
    }

    @Test
    void longHistoryCompactsAndKeepsGrowing() {
        KeyIndex ki = KeyIndex.created(FOO, r(1));
        for (long rev = 2; rev <= 100; rev++) {
            ki = ki.put(r(rev));
        }
        KeyIndex compacted = ki.compact(95);
        assertThat(compacted.contains(r(94))).isFalse();
        for (long rev = 95; rev <= 100; rev++) {
            assertThat(compacted.get(rev)).isEqualTo(new KeyIndex.Found(r(rev), 1, rev));
        }
        KeyIndex grown = compacted.put(r(101)).put(r(102));
        assertThat(grown.get(102)).isEqualTo(new KeyIndex.Found(r(102), 1, 102));
        assertThat(ki.get(50)).isEqualTo(new KeyIndex.Found(r(50), 1, 50));
    }

    @Test
    void keyCompactedToItsOneRevisionAnswersAsBeforeAndGrowsAgain() {
        KeyIndex ki = KeyIndex.created(FOO, r(2)).put(new Revision(5, 3)).compact(7);
        assertThat(ki.get(4)).isNull();
        assertThat(ki.get(5)).isEqualTo(new KeyIndex.Found(new Revision(5, 3), 2, 2));
        assertThat(ki.since(5)).containsExactly(new Revision(5, 3));
        assertThat(ki.since(6)).isEmpty();
        assertThat(ki.contains(new Revision(5, 3))).isTrue();
        assertThat(ki.contains(r(2))).isFalse();
        assertThat(ki.compact(9)).isSameAs(ki);
        assertThat(ki.isDeleted()).isFalse();

        KeyIndex deleted = ki.tombstone(r(8));
        assertThat(deleted.isDeleted()).isTrue();
        assertThat(deleted.get(7)).isEqualTo(new KeyIndex.Found(new Revision(5, 3), 2, 2));
        assertThat(deleted.get(8)).isNull();
        assertThat(deleted.compact(8)).isNull();
        KeyIndex recreated = deleted.put(r(9));
        assertThat(recreated.get(9)).isEqualTo(new KeyIndex.Found(r(9), 9, 1));
        assertThat(recreated.compact(9).since(0)).containsExactly(r(9));
    }
}
