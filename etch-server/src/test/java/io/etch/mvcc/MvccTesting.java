package io.etch.mvcc;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.mvccpb.KeyValue;
import io.etch.storage.Backend;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/** Helpers for tests of mvcc and its users: an open store on a directory, request builders. */
public final class MvccTesting implements AutoCloseable {
    private final Path dir;
    private Backend backend;
    private MvccStore store;
    private long raftIndex;

    public MvccTesting(Path dir) {
        this.dir = dir;
        open();
    }

    private void open() {
        backend = Backend.open(dir);
        store = MvccStore.open(backend);
        raftIndex = store.appliedIndex();
    }

    public MvccStore store() {
        return store;
    }

    public Backend backend() {
        return backend;
    }

    /** Closes and reopens store and backend, like a member restart. */
    public void restart() {
        close();
        open();
    }

    /** Runs {@code body} in a write txn and commits it as the next Raft entry. */
    public <T> T apply(Function<WriteTxn, T> body) {
        try (WriteTxn txn = store.begin()) {
            try {
                return body.apply(txn);
            } finally {
                txn.commit(1, ++raftIndex);
            }
        }
    }

    public void applyVoid(Consumer<WriteTxn> body) {
        apply(txn -> {
            body.accept(txn);
            return null;
        });
    }

    public long put(String key, String value) {
        return apply(txn -> txn.put(putReq(key, value).build())).getHeader().getRevision();
    }

    public long delete(String key) {
        return apply(txn -> txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs(key)).build()))
                .getHeader().getRevision();
    }

    public void compact(long rev) {
        try {
            apply(txn -> store.compact(rev, txn)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    public KeyValue get(String key) {
        List<KeyValue> kvs = store.range(range(key).build()).getKvsList();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    public static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    public static PutRequest.Builder putReq(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value));
    }

    public static RangeRequest.Builder range(String key) {
        return RangeRequest.newBuilder().setKey(bs(key));
    }

    public static RangeRequest.Builder range(String key, String end) {
        return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end));
    }

    public static KeyValue kv(String key, String value, long create, long mod, long version) {
        return KeyValue.newBuilder().setKey(bs(key)).setValue(bs(value))
                .setCreateRevision(create).setModRevision(mod).setVersion(version).build();
    }

    /** Number of entries in the kv column family. */
    public int storedRevisions() {
        int[] n = {0};
        backend.forEach(Backend.Column.KV, null, null, (k, v) -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    @Override
    public void close() {
        store.close();
        backend.close();
    }
}
