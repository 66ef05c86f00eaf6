package io.etch.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.mvccpb.KeyValue;
import io.etch.lease.Lessor;
import io.etch.mvcc.MvccTesting;
import io.etch.storage.Backend;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/**
 * A store written as etcd's snapshot file and read back: etcd's buckets and encodings, a tree deep
 * enough for branch and overflow pages, and a restore that gives back every stored entry exactly.
 */
class EtcdSnapshotFileTest {
    @TempDir
    Path dir;

    @Test
    void aStoreWrittenAsEtcdsFileReadsBackEntryForEntry() throws Exception {
        Path file = dir.resolve("snapshot.db");
        List<byte[][]> stored;
        EtcdSnapshotWriter.Summary summary;
        try (MvccTesting t = new MvccTesting(dir.resolve("store"))) {
            for (int i = 0; i < 3000; i++) {
                t.put("key/" + (i % 500), "value-" + i);
            }
            t.put("big", "b".repeat(50_000));
            t.delete("key/7");
            t.compact(1000);
            try (WriteBatch batch = new WriteBatch()) {
                Lessor.store(t.backend(), batch, new Lessor.StoredLease(0x1234, 60, 30));
                t.backend().write(batch);
            }
            t.backend().flush();
            summary = EtcdSnapshotWriter.write(t.backend(), file, "3.5.0");
            stored = entries(t.backend(), Backend.Column.KV);
            assertThat(summary.revision()).isEqualTo(t.store().currentRevision());
        }
        assertThat(Files.size(file)).isEqualTo(summary.size());
        assertThat(summary.size() % 4096).as("whole pages").isZero();

        try (BoltReader db = BoltReader.open(file)) {
            assertThat(db.buckets()).containsExactly("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease",
                    "members", "members_removed", "meta");
            List<byte[][]> keys = new ArrayList<>();
            db.forEach("key", (k, v) -> keys.add(new byte[][] {k, v}));
            assertThat(keys).hasSameSizeAs(stored);
            for (int i = 0; i < keys.size(); i++) {
                byte[] etcdKey = keys.get(i)[0];
                byte[] etchKey = stored.get(i)[0];
                assertThat(etcdKey[8]).isEqualTo((byte) '_');
                assertThat(Arrays.copyOfRange(etcdKey, 0, 8)).isEqualTo(Arrays.copyOfRange(etchKey, 0, 8));
                assertThat(Arrays.copyOfRange(etcdKey, 9, 17)).isEqualTo(Arrays.copyOfRange(etchKey, 8, 16));
                assertThat(etcdKey.length == 18).isEqualTo(etchKey.length == 17);
                assertThat(keys.get(i)[1]).isEqualTo(stored.get(i)[1]);
            }
            KeyValue big = KeyValue.parseFrom(keys.stream().map(e -> e[1])
                    .filter(v -> v.length > 40_000).findFirst().orElseThrow());
            assertThat(big.getValue().size()).isEqualTo(50_000);
            List<String> meta = new ArrayList<>();
            db.forEach("meta", (k, v) -> meta.add(new String(k) + "=" + (v.length == 17 ? ByteBuffer.wrap(v).getLong() : v.length)));
            assertThat(meta).contains("finishedCompactRev=1000", "scheduledCompactRev=1000");
        }

        Path restored = dir.resolve("restored");
        EtcdSnapshotRestore.Summary r = EtcdSnapshotRestore.restore(file, restored, 0);
        assertThat(r.revision()).isEqualTo(summary.revision());
        assertThat(r.leases()).isOne();
        try (Backend backend = Backend.open(restored)) {
            List<byte[][]> back = entries(backend, Backend.Column.KV);
            assertThat(back).hasSameSizeAs(stored);
            for (int i = 0; i < back.size(); i++) {
                assertThat(back.get(i)[0]).isEqualTo(stored.get(i)[0]);
                assertThat(back.get(i)[1]).isEqualTo(stored.get(i)[1]);
            }
            assertThat(Lessor.storedIn(backend)).containsExactly(new Lessor.StoredLease(0x1234, 60, 30));
        }
    }

    @Test
    void aFileWithoutEtcdsBucketsIsRefusedAndNothingIsWritten() throws Exception {
        Path file = dir.resolve("other.db");
        try (BoltWriter w = new BoltWriter(file)) {
            w.bucket("something");
            w.put(new byte[] {1}, new byte[] {2});
            w.finish();
        }
        Path target = dir.resolve("restored");
        assertThatThrownBy(() -> EtcdSnapshotRestore.restore(file, target, 0))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("not an etcd backend");
        assertThat(target).doesNotExist();
    }

    private static List<byte[][]> entries(Backend backend, Backend.Column column) {
        List<byte[][]> out = new ArrayList<>();
        backend.forEach(column, null, null, (k, v) -> {
            out.add(new byte[][] {k, v});
            return true;
        });
        return out;
    }
}
