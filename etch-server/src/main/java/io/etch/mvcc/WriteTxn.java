package io.etch.mvcc;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.WriteBatch;

/**
 * The changes of one Raft entry: one request, or a batch of requests applied one after another.
 * Opened by {@link MvccStore#begin()} on the apply thread; ends with {@link #commit(long, long)}
 * (or {@link #close()} to drop it without writing anything), which writes every request's changes
 * in one storage write.
 *
 * <p>Each request that changes something gets its own main revision (one more than the request
 * before it) with increasing sub revisions; {@link #nextRequest()} ends one request and starts the
 * next. Reads through the txn see its own earlier changes; nothing is visible to other readers
 * before commit. Not thread-safe: one thread uses it.
 */
public final class WriteTxn implements KvReadView, AutoCloseable {
    /** One change: a put (kv holds the new value) or a delete (kv holds only the key). */
    record Change(Revision rev, KeyValue kv, boolean delete) {
    }

    private final MvccStore store;
    private final long beginRev;
    /** The store's revision before the current request: beginRev plus the revisions made since. */
    private long rev;
    /** Where the current request's changes start in {@link #changes}. */
    private int requestStart;
    private final long beginCompactMainRev;
    private final TxnIndex index;
    private final WriteBatch batch = new WriteBatch();
    private final List<Change> changes = new ArrayList<>();
    private final Map<Revision, KeyValue> pendingValues = new HashMap<>();
    private long pendingCompact = Long.MIN_VALUE;
    private final List<CompletableFuture<Void>> compactionDone = new ArrayList<>();
    private boolean finished;

    WriteTxn(MvccStore store, long beginRev, long compactMainRev, TreeIndex published) {
        this.store = store;
        this.beginRev = beginRev;
        this.rev = beginRev;
        this.beginCompactMainRev = compactMainRev;
        this.index = new TxnIndex(published);
    }

    /**
     * The revision a response written now reports: the store's current revision, plus one once the
     * txn has changed something (etcd's write-txn revision).
     */
    @Override
    public long revision() {
        return requestChanged() ? rev + 1 : rev;
    }

    /** The store's revision when the current request began (what a read view of its start reports). */
    public long startRevision() {
        return rev;
    }

    /**
     * Ends the current request and starts the next one, which sees every change so far and, if it
     * changes something, gets the next revision.
     */
    public void nextRequest() {
        checkOpen();
        if (requestChanged()) {
            rev++;
        }
        requestStart = changes.size();
        index.mark();
    }

    private boolean requestChanged() {
        return changes.size() > requestStart;
    }

    /**
     * The batch written atomically at commit, for lease/auth stores to add their own changes to. KV
     * changes are added to it only at commit, so {@link #discardChanges()} does not touch it.
     */
    public WriteBatch batch() {
        return batch;
    }

    /** Whether the txn has made KV changes (so commit makes a new revision). */
    public boolean hasChanges() {
        return !changes.isEmpty();
    }

    /** What {@link #forEachChange} calls for each key the txn wrote, in write order. */
    @FunctionalInterface
    public interface ChangeVisitor {
        /** {@code lease} is the key's lease after a put (0 for none); 0 after a delete. */
        void visit(ByteString key, long lease, boolean deleted);
    }

    /** Visits the current request's KV changes so far (for keeping lease attachments in step with the keys). */
    public void forEachChange(ChangeVisitor visitor) {
        for (Change c : changes.subList(requestStart, changes.size())) {
            visitor.visit(c.kv().getKey(), c.delete() ? 0 : c.kv().getLease(), c.delete());
        }
    }

    /**
     * etcd's check of a Range op inside a Txn before anything is applied: revision 0 is fine, a
     * revision above the txn's start revision is FUTURE_REV, one below the compacted revision
     * COMPACTED (negative ones included, as in etcd).
     */
    @Override
    public void checkRangeRevision(long revision) {
        if (revision == 0) {
            return;
        }
        if (revision > rev) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (revision < compactMainRev()) {
            throw EtcdError.COMPACTED.exception();
        }
    }

    long compactMainRev() {
        return pendingCompact != Long.MIN_VALUE ? pendingCompact : beginCompactMainRev;
    }

    /** A range as of the txn's current state, own changes included. */
    @Override
    public RangeResponse range(RangeRequest r) {
        checkOpen();
        return RangeQuery.execute(r, revision(), compactMainRev(), index, this::value);
    }

    /**
     * etcd's put: prev_kv, ignore_value and ignore_lease (both need the key to exist, else
     * KEY_NOT_FOUND); the lease id is stored as given (its existence is the applier's business).
     */
    public PutResponse put(PutRequest r) {
        checkOpen();
        long rev = this.rev + 1;
        ByteString key = r.getKey();
        KeyIndex ki = index.get(key);
        KeyIndex.Found found = ki == null ? null : ki.get(rev);
        if ((r.getIgnoreValue() || r.getIgnoreLease()) && found == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
        }
        KeyValue prev = null;
        if (found != null && (r.getIgnoreValue() || r.getIgnoreLease() || r.getPrevKv())) {
            prev = value(found.modified());
        }
        ByteString val = r.getIgnoreValue() ? prev.getValue() : r.getValue();
        long lease = r.getIgnoreLease() ? prev.getLease() : r.getLease();

        Revision idxRev = new Revision(rev, changes.size() - requestStart);
        KeyValue kv = KeyValue.newBuilder()
                .setKey(key)
                .setValue(val)
                .setCreateRevision(found == null ? rev : found.createRevision())
                .setModRevision(rev)
                .setVersion(found == null ? 1 : found.version() + 1)
                .setLease(lease)
                .build();
        index.set(key, ki == null ? KeyIndex.created(key, idxRev) : ki.put(idxRev));
        changes.add(new Change(idxRev, kv, false));
        pendingValues.put(idxRev, kv);

        PutResponse.Builder resp = PutResponse.newBuilder().setHeader(header(rev));
        if (r.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        return resp.build();
    }

    /** etcd's delete range: a key, [key, range_end), or all keys >= key with range_end "\0". */
    public DeleteRangeResponse deleteRange(DeleteRangeRequest r) {
        checkOpen();
        long readRev = revision();
        ByteString end = RangeQuery.rangeEnd(r.getRangeEnd());
        List<KeyIndex> alive = new ArrayList<>();
        List<Revision> aliveRevs = new ArrayList<>();
        for (KeyIndex ki : RangeQuery.keys(index, r.getKey(), end)) {
            KeyIndex.Found f = ki.get(readRev);
            if (f != null) {
                alive.add(ki);
                aliveRevs.add(f.modified());
            }
        }
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
        if (r.getPrevKv()) {
            for (Revision rv : aliveRevs) {
                resp.addPrevKvs(value(rv));
            }
        }
        long rev = this.rev + 1;
        for (KeyIndex ki : alive) {
            Revision idxRev = new Revision(rev, changes.size() - requestStart);
            index.set(ki.key(), ki.tombstone(idxRev));
            changes.add(new Change(idxRev, KeyValue.newBuilder().setKey(ki.key()).build(), true));
        }
        resp.setDeleted(alive.size());
        resp.setHeader(header(revision()));
        return resp.build();
    }

    /**
     * Drops every KV change the current request made (and a compaction it asked for), in the index
     * too: a failed request leaves no trace. Earlier requests of the txn keep theirs; the batch
     * keeps what others added to it.
     */
    public void discardChanges() {
        checkOpen();
        index.rollback();
        List<Change> dropped = changes.subList(requestStart, changes.size());
        dropped.forEach(c -> pendingValues.remove(c.rev()));
        dropped.clear();
        pendingCompact = Long.MIN_VALUE;
        cancelCompactions();
    }

    /**
     * Writes the changes, the applied Raft term/index (and a compaction's markers) in one RocksDB
     * write, then publishes: readers see the new revision, then the listener is told. Bumps the
     * revision only if something changed.
     */
    public void commit(long term, long index) {
        checkOpen();
        store.commit(this, term, index);
    }

    /** Ends the txn without writing anything, if it was not committed. */
    @Override
    public void close() {
        if (!finished) {
            cancelCompactions();
            finish();
        }
    }

    // --- for MvccStore -------------------------------------------------------------------------

    long beginRev() {
        return beginRev;
    }

    /** The revision the txn ends at: the store's current revision once it is committed. */
    long endRevision() {
        return revision();
    }

    /** The value stored at {@code rev}, this txn's own changes included. */
    KeyValue valueAt(Revision rev) {
        return value(rev);
    }

    List<Change> changes() {
        return changes;
    }

    TxnIndex txnIndex() {
        return index;
    }

    long pendingCompact() {
        return pendingCompact;
    }

    List<CompletableFuture<Void>> compactionFutures() {
        return compactionDone;
    }

    /** Records a compaction (already validated) and compacts this txn's view of the index. */
    CompletableFuture<Void> compactIndex(long rev) {
        checkOpen();
        List<KeyIndex> all = new ArrayList<>();
        index.range(ByteString.EMPTY, ByteString.EMPTY).forEach(all::add);
        for (KeyIndex ki : all) {
            KeyIndex compacted = ki.compact(rev);
            if (compacted != ki) {
                index.set(ki.key(), compacted);
            }
        }
        pendingCompact = rev;
        CompletableFuture<Void> done = new CompletableFuture<>();
        compactionDone.add(done);
        return done;
    }

    void finish() {
        finished = true;
        batch.close();
        store.txnEnded(this);
    }

    private void cancelCompactions() {
        compactionDone.forEach(f -> f.completeExceptionally(new CancellationException("compaction discarded")));
        compactionDone.clear();
    }

    private KeyValue value(Revision rev) {
        KeyValue kv = pendingValues.get(rev);
        return kv != null ? kv : store.storedValue(rev);
    }

    private static ResponseHeader header(long rev) {
        return ResponseHeader.newBuilder().setRevision(rev).build();
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("write txn already ended");
        }
    }
}
