package io.etch.mvcc;

import static io.etch.mvcc.MvccTesting.kv;
import static io.etch.mvcc.MvccTesting.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.storage.Backend;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

class MvccRestartTest {
    @TempDir
    Path dir;
    MvccTesting t;

    @BeforeEach
    void open() {
        t = new MvccTesting(dir);
    }

    @AfterEach
    void close() {
        t.close();
    }

    @Test
    void reopenRebuildsIndexWithHistory() {
        t.put("a", "1");  // 2
        t.put("b", "1");  // 3
        t.put("a", "2");  // 4
        t.delete("b");    // 5
        t.put("c", "1");  // 6
        t.restart();
        MvccStore store = t.store();
        assertThat(store.currentRevision()).isEqualTo(6);
        assertThat(t.get("a")).isEqualTo(kv("a", "2", 2, 4, 2));
        assertThat(t.get("b")).isNull();
        assertThat(store.range(range("b").setRevision(4).build()).getKvsList()).containsExactly(kv("b", "1", 3, 3, 1));
        assertThat(store.range(range("a").setRevision(3).build()).getKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
        // New writes continue the history.
        t.put("a", "3");
        assertThat(t.get("a")).isEqualTo(kv("a", "3", 2, 7, 3));
        t.put("b", "2");
        assertThat(t.get("b")).isEqualTo(kv("b", "2", 8, 8, 1));
    }

    /** The quota's count of stored bytes: exactly the bytes in the kv column family, at every step. */
    @Test
    void storedBytesFollowWritesAndCompactionAndAreCountedAgainAtOpen() {
        assertThat(t.store().storedBytes()).isZero();
        t.put("a", "x".repeat(1000));
        long one = t.store().storedBytes();
        assertThat(one).isEqualTo(bytesInKv()).isGreaterThan(1000);
        t.put("a", "y".repeat(1000));
        t.put("b", "z");
        long rev = t.delete("b");
        assertThat(t.store().storedBytes()).isEqualTo(bytesInKv());
        t.restart();
        assertThat(t.store().storedBytes()).isEqualTo(bytesInKv());
        t.compact(rev);
        assertThat(t.store().storedBytes()).as("the first value of a and all of b are gone")
                .isEqualTo(bytesInKv()).isLessThan(one + 100);
        t.restart();
        assertThat(t.store().storedBytes()).isEqualTo(bytesInKv());
    }

    private long bytesInKv() {
        long[] n = {0};
        t.backend().forEach(Backend.Column.KV, null, null, (k, v) -> {
            n[0] += k.length + v.length;
            return true;
        });
        return n[0];
    }

    @Test
    void revisionOfATrailingDeleteSurvives() {
        t.put("a", "1");
        t.delete("a");
        t.restart();
        assertThat(t.store().currentRevision()).isEqualTo(3);
    }

    @Test
    void appliedTermAndIndexSurvive() {
        t.put("a", "1");
        t.applyVoid(txn -> { });
        try (WriteTxn txn = t.store().begin()) {
            txn.commit(7, 42);
        }
        t.restart();
        assertThat(t.store().appliedTerm()).isEqualTo(7);
        assertThat(t.store().appliedIndex()).isEqualTo(42);
    }

    /** A leader names the term of an entry its Raft log purged from this record. */
    @Test
    void termOfEveryAppliedEntrySurvives() {
        long[][] termIndex = {{2, 5}, {2, 6}, {2, 7}, {4, 8}, {4, 9}, {7, 10}};
        for (long[] ti : termIndex) {
            try (WriteTxn txn = t.store().begin()) {
                txn.commit(ti[0], ti[1]);
            }
        }
        t.restart();
        MvccStore store = t.store();
        assertThat(store.termAt(4)).as("before the first recorded term").isEqualTo(-1);
        for (long[] ti : termIndex) {
            assertThat(store.termAt(ti[1])).as("term of %d", ti[1]).isEqualTo(ti[0]);
        }
        assertThat(store.termAt(11)).as("not applied yet").isEqualTo(-1);
        try (WriteTxn txn = store.begin()) {
            txn.commit(7, 11);
        }
        assertThat(store.termAt(11)).isEqualTo(7);
    }

    @Test
    void compactedRevisionSurvives() {
        t.put("a", "1");
        t.put("a", "2");
        t.put("a", "3");
        t.compact(3);
        t.restart();
        MvccStore store = t.store();
        assertThat(store.compactedRevision()).isEqualTo(3);
        assertThat(store.currentRevision()).isEqualTo(4);
        assertThatThrownBy(() -> store.range(range("a").setRevision(2).build()))
                .isInstanceOfSatisfying(EtchException.class, e -> assertThat(e.error()).isEqualTo(EtcdError.COMPACTED));
        assertThat(store.range(range("a").setRevision(3).build()).getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
    }

    @Test
    void compactionOfEverythingKeepsTheRevision() {
        t.put("a", "1");
        t.delete("a");
        t.compact(3);
        t.restart();
        assertThat(t.store().currentRevision()).isEqualTo(3);
        assertThat(t.storedRevisions()).isZero();
    }

    @Test
    void unfinishedCompactionResumesAtOpen() throws Exception {
        t.put("a", "1");  // 2
        t.put("a", "2");  // 3
        t.put("b", "1");  // 4
        t.delete("b");    // 5
        t.put("a", "3");  // 6
        // As if the member stopped right after committing a compaction at 5, before deleting anything.
        Backend backend = t.backend();
        try (WriteBatch wb = new WriteBatch()) {
            backend.put(wb, Backend.Column.META, MetaKeys.SCHEDULED_COMPACT, MetaKeys.encodeLong(5));
            backend.write(wb);
        }
        t.restart();
        t.store().physicalCompaction().get(30, TimeUnit.SECONDS);
        assertThat(t.store().compactedRevision()).isEqualTo(5);
        assertThat(t.storedRevisions()).isEqualTo(2);
        assertThat(MetaKeys.decodeLong(t.backend().get(Backend.Column.META, MetaKeys.FINISHED_COMPACT))).isEqualTo(5);
        assertThat(t.store().range(range("a").setRevision(5).build()).getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
        assertThat(t.store().range(range("b").setRevision(5).build()).getKvsCount()).isZero();
        t.restart();
        assertThat(t.store().compactedRevision()).isEqualTo(5);
        assertThat(t.store().currentRevision()).isEqualTo(6);
    }

    @Test
    void largeCompactionDeletesInBatches() {
        int n = Compactor.BATCH_LIMIT * 2 + 17;
        t.applyVoid(txn -> {
            for (int i = 0; i < n; i++) {
                txn.put(MvccTesting.putReq("k" + i, "v").build());
            }
        });
        t.applyVoid(txn -> {
            for (int i = 0; i < n; i++) {
                txn.put(MvccTesting.putReq("k" + i, "w").build());
            }
        });
        assertThat(t.storedRevisions()).isEqualTo(2 * n);
        t.compact(3);
        assertThat(t.storedRevisions()).isEqualTo(n);
        t.restart();
        assertThat(t.store().range(range("k", "l").setCountOnly(true).build()).getCount()).isEqualTo(n);
    }

    @Test
    void reopenRebuildsAnIndexLargerThanTheReadersBatches() {
        int n = 5000;
        t.applyVoid(txn -> {
            for (int i = 0; i < n; i++) {
                txn.put(MvccTesting.putReq("k" + i, "v1").build());
            }
        });
        for (int i = 0; i < n; i += 7) {
            t.put("k" + i, "v2");
        }
        for (int i = 3; i < n; i += 11) {
            t.delete("k" + i);
        }
        long rev = t.store().currentRevision();
        t.restart();
        assertThat(t.store().currentRevision()).isEqualTo(rev);
        for (int i = 0; i < n; i++) {
            String k = "k" + i;
            if (i % 11 == 3) {
                assertThat(t.get(k)).as(k).isNull();
            } else {
                assertThat(t.get(k).getValue().toStringUtf8()).as(k).isEqualTo(i % 7 == 0 ? "v2" : "v1");
                assertThat(t.get(k).getCreateRevision()).as(k).isEqualTo(2);
            }
        }
        int live = n - (n - 3 + 10) / 11;
        assertThat(t.store().range(range("k0").setRangeEnd(MvccTesting.bs("k:")).setCountOnly(true).build())
                .getCount()).isEqualTo(live);
        assertThat(t.store().keyCount()).isEqualTo(live);
        t.delete("k1");
        assertThat(t.store().keyCount()).isEqualTo(live - 1);
    }

    @Test
    void aCorruptStoredEntryFailsTheOpenWithItsRevision() {
        t.put("a", "1");
        Backend backend = t.backend();
        try (WriteBatch wb = new WriteBatch()) {
            // A key field announcing 127 bytes that are not there.
            backend.put(wb, Backend.Column.KV, new Revision(100, 0).toBytes(), new byte[] {0x0a, 0x7f});
            backend.write(wb);
        }
        assertThatThrownBy(() -> MvccStore.open(backend))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("corrupt kv entry at 100.0");
    }
}
