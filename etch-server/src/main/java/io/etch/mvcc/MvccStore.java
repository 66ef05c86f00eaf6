package io.etch.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import io.etch.storage.Backend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's multi-version key-value store on a {@link Backend}: the {@code kv} column family maps
 * revision → KeyValue, an in-memory {@link TreeIndex} maps key → revisions and is rebuilt at open.
 *
 * <p>One writer (the apply thread) works through {@link WriteTxn}s; readers call {@link #range}
 * from any thread at any time: they see the last committed revision, never block, and are never
 * disturbed by a commit in progress (immutable index entries, published after the RocksDB write,
 * before the revision number).
 */
public final class MvccStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MvccStore.class);

    /** What readers see; replaced whole. compactMainRev is -1 before the first compaction, as in etcd. */
    private record State(long currentRev, long compactMainRev, long appliedTerm, long appliedIndex, TreeIndex index) {
    }

    /** A stored revision that vanished under a reader (physical compaction). */
    private static final class MissingRevision extends RuntimeException {
        MissingRevision(Revision rev) {
            super("revision " + rev + " not found", null, false, false);
        }
    }

    private final Backend backend;
    /** Replaced with the index when the store is restored from another member's checkpoint. */
    private volatile Compactor compactor;
    private volatile State state;
    private volatile TermStarts termStarts;
    private volatile RevisionListener listener;
    private final AtomicReference<WriteTxn> openTxn = new AtomicReference<>();
    private volatile CompletableFuture<Void> lastCompaction = CompletableFuture.completedFuture(null);
    /**
     * Bytes of every stored revision (its key and value): counted at open, added to by commits and
     * taken from by the compactor. What the backend quota guards.
     */
    private volatile AtomicLong storedBytes;

    private MvccStore(Backend backend, Loaded loaded) {
        this.backend = backend;
        this.state = loaded.state;
        this.termStarts = TermStarts.decode(backend.get(Backend.Column.META, MetaKeys.TERM_STARTS));
        this.storedBytes = new AtomicLong(loaded.storedBytes);
        this.compactor = new Compactor(backend, state.index, storedBytes);
    }

    /**
     * Opens the store on {@code backend}: rebuilds the key index from the {@code kv} column family,
     * restores the applied term/index and compacted revision, and resumes an unfinished physical
     * compaction.
     */
    public static MvccStore open(Backend backend) {
        Loaded loaded = load(backend);
        MvccStore store = new MvccStore(backend, loaded);
        store.resumeCompaction(loaded.resume);
        return store;
    }

    /** The Raft term and index the data in {@code backend} was applied up to: {0, 0} for none. */
    public static long[] appliedIn(Backend backend) {
        byte[] applied = backend.get(Backend.Column.META, MetaKeys.APPLIED);
        return applied == null ? new long[2] : MetaKeys.decodeApplied(applied);
    }

    /** A store's compaction marks: the last compaction scheduled, and the last finished (-1: none). */
    public record Compactions(long scheduled, long finished) {
    }

    /** The compaction marks stored in {@code backend} (a checkpoint, say). */
    public static Compactions compactionsIn(Backend backend) {
        byte[] scheduled = backend.get(Backend.Column.META, MetaKeys.SCHEDULED_COMPACT);
        byte[] finished = backend.get(Backend.Column.META, MetaKeys.FINISHED_COMPACT);
        return new Compactions(scheduled == null ? -1 : MetaKeys.decodeLong(scheduled),
                finished == null ? -1 : MetaKeys.decodeLong(finished));
    }

    /**
     * Writes one stored revision into a store that is not open yet (a restore from a snapshot
     * file): {@code kv} is the mvccpb.KeyValue as stored, a tombstone for a delete.
     */
    public static void importRevision(Backend backend, WriteBatch batch, Revision rev, boolean tombstone, byte[] kv) {
        backend.put(batch, Backend.Column.KV, tombstone ? rev.toTombstoneBytes() : rev.toBytes(), kv);
    }

    /** Writes compaction marks into a store that is not open yet; the open resumes an unfinished one. */
    public static void importCompactions(Backend backend, WriteBatch batch, Compactions c) {
        if (c.scheduled() >= 0) {
            backend.put(batch, Backend.Column.META, MetaKeys.SCHEDULED_COMPACT, MetaKeys.encodeLong(c.scheduled()));
        }
        if (c.finished() >= 0) {
            backend.put(batch, Backend.Column.META, MetaKeys.FINISHED_COMPACT, MetaKeys.encodeLong(c.finished()));
        }
    }

    /** What {@link #load} read: the state, a scheduled compaction to finish (or -1), the stored bytes. */
    private record Loaded(State state, long resume, long storedBytes) {
    }

    private static Loaded load(Backend backend) {
        long start = System.nanoTime();
        long appliedTerm = 0;
        long appliedIndex = 0;
        byte[] applied = backend.get(Backend.Column.META, MetaKeys.APPLIED);
        if (applied != null) {
            long[] ti = MetaKeys.decodeApplied(applied);
            appliedTerm = ti[0];
            appliedIndex = ti[1];
        }
        long compactMainRev = -1;
        byte[] finished = backend.get(Backend.Column.META, MetaKeys.FINISHED_COMPACT);
        if (finished != null) {
            compactMainRev = MetaKeys.decodeLong(finished);
        }
        byte[] scheduledBytes = backend.get(Backend.Column.META, MetaKeys.SCHEDULED_COMPACT);
        long scheduled = scheduledBytes == null ? -1 : MetaKeys.decodeLong(scheduledBytes);

        IndexRebuild.Result rebuilt = IndexRebuild.scan(backend);
        TreeIndex.Builder keys = rebuilt.keys();
        long scanned = System.nanoTime();
        boolean resume = scheduled > compactMainRev;
        if (resume) {
            compactMainRev = scheduled;
            keys.updateAll(ki -> ki == null ? null : ki.compact(scheduled));
        }
        long rev = Math.max(rebuilt.lastRevision(), compactMainRev);
        State state = new State(rev, compactMainRev, appliedTerm, appliedIndex, keys.build());
        long end = System.nanoTime();
        LOG.info("opened mvcc store currentRevision={} compactRevision={} appliedIndex={} keys={} tookMs={} "
                + "(scanMs={} indexMs={})", rev, compactMainRev, appliedIndex, state.index.size(),
                (end - start) / 1_000_000, (scanned - start) / 1_000_000, (end - scanned) / 1_000_000);
        return new Loaded(state, resume ? scheduled : -1, rebuilt.storedBytes());
    }

    private void resumeCompaction(long scheduled) {
        if (scheduled >= 0) {
            LOG.info("resume scheduled compaction compactRevision={}", scheduled);
            CompletableFuture<Void> done = new CompletableFuture<>();
            lastCompaction = done;
            compactor.schedule(scheduled, List.of(done));
        }
    }

    /**
     * Reloads everything from the backend after its database was replaced with another member's
     * checkpoint ({@link Backend#replaceWith}). Apply thread, no txn open. Readers that began
     * before keep their state; what they still read is the same history (revisions are the
     * cluster's), or compacted. The listener hears {@link RevisionListener#onRestore}.
     */
    public void restore() {
        if (openTxn.get() != null) {
            throw new IllegalStateException("restore with a write txn open");
        }
        long before = state.currentRev;
        compactor.close();
        Loaded loaded = load(backend);
        storedBytes = new AtomicLong(loaded.storedBytes);
        compactor = new Compactor(backend, loaded.state.index, storedBytes);
        state = loaded.state;
        termStarts = TermStarts.decode(backend.get(Backend.Column.META, MetaKeys.TERM_STARTS));
        resumeCompaction(loaded.resume);
        LOG.info("restored mvcc store from a checkpoint revision {} -> {}", before, loaded.state.currentRev);
        RevisionListener l = listener;
        if (l != null) {
            l.onRestore(loaded.state.currentRev);
        }
    }

    /** Keys that exist now. */
    public long keyCount() {
        return state.index.liveKeys();
    }

    /** The revision of the last committed change; 1 on an empty store. */
    public long currentRevision() {
        return state.currentRev;
    }

    /** The revision of the last compaction, 0 if never compacted. */
    public long compactedRevision() {
        return Math.max(0, state.compactMainRev);
    }

    /** Raft term of the last applied entry, 0 initially. */
    public long appliedTerm() {
        return state.appliedTerm;
    }

    /** Raft index of the last applied entry, 0 initially. */
    public long appliedIndex() {
        return state.appliedIndex;
    }

    /**
     * The Raft term of the applied entry at {@code index}, also after the Raft log dropped it;
     * -1 when not applied yet or older than the recorded terms (a store written before they were).
     */
    public long termAt(long index) {
        if (index > state.appliedIndex || index <= 0) {
            return -1;
        }
        return termStarts.termAt(index);
    }

    public long dbSize() {
        return backend.dbSize();
    }

    public long dbSizeInUse() {
        return backend.dbSizeInUse();
    }

    /**
     * The bytes of every revision the store keeps (keys and values, tombstones included), exact and
     * independent of when RocksDB compacts its files: a compaction lowers it as soon as its
     * deletions are written.
     */
    public long storedBytes() {
        return storedBytes.get();
    }

    public void setListener(RevisionListener l) {
        this.listener = l;
    }

    /**
     * A range at the last committed revision (or the requested one), from any thread. The header
     * holds only the revision.
     */
    public RangeResponse range(RangeRequest r) {
        return readView().range(r);
    }

    /** The store as of the last committed revision, for several reads that must agree (a read-only txn). */
    public KvReadView readView() {
        State s = state;
        return new KvReadView() {
            @Override
            public RangeResponse range(RangeRequest r) {
                try {
                    RangeResponse resp = RangeQuery.execute(r, s.currentRev, s.compactMainRev, s.index, MvccStore.this::storedValue);
                    checkNotCompactedUnder(r.getRevision(), s);
                    return resp;
                } catch (MissingRevision e) {
                    checkNotCompactedUnder(r.getRevision(), s);
                    throw new IllegalStateException("kv entry missing while not compacted", e);
                }
            }

            @Override
            public void checkRangeRevision(long revision) {
                if (revision == 0) {
                    return;
                }
                if (revision > s.currentRev) {
                    throw EtcdError.FUTURE_REV.exception();
                }
                if (revision < s.compactMainRev) {
                    throw EtcdError.COMPACTED.exception();
                }
            }

            @Override
            public long revision() {
                return s.currentRev;
            }
        };
    }

    /**
     * A range to read in pieces (RangeStream), pinned now at the requested revision or the current
     * one: FUTURE_REV or COMPACTED at once as {@link #range}, COMPACTED from a later piece if a
     * compaction passes the pinned revision meanwhile. The request must ask for key order.
     */
    public RangeChunks rangeChunks(RangeRequest r) {
        State s = state;
        long rev = RangeQuery.readRevision(r.getRevision(), s.currentRev, s.compactMainRev);
        RangeChunks.Readable readable = () -> {
            if (rev < state.compactMainRev) {
                throw EtcdError.COMPACTED.exception();
            }
        };
        RangeQuery.Values values = at -> {
            try {
                return storedValue(at);
            } catch (MissingRevision e) {
                readable.check();
                throw new IllegalStateException("kv entry missing while not compacted", e);
            }
        };
        return new RangeChunks(r, rev, s.currentRev, s.index, values, readable);
    }

    /** A compaction published during a read may have removed what it read: then it is compacted. */
    private void checkNotCompactedUnder(long requested, State s) {
        long rev = requested <= 0 ? s.currentRev : requested;
        if (rev < state.compactMainRev) {
            throw EtcdError.COMPACTED.exception();
        }
    }

    /**
     * The committed changes of revisions {@code fromRevision..toRevision} (capped at the current
     * revision) as watch events, in revision order, read from storage: for catching up watchers.
     * With {@code prevKv}, events carry the key's value before their revision where it is still
     * stored. COMPACTED if {@code fromRevision} is below the compacted revision (as etcd's watch).
     */
    public List<Event> events(long fromRevision, long toRevision, boolean prevKv) {
        State s = state;
        if (fromRevision < s.compactMainRev) {
            throw EtcdError.COMPACTED.exception();
        }
        long to = Math.min(toRevision, s.currentRev);
        List<Event> events = new ArrayList<>();
        if (to < Math.max(1, fromRevision)) {
            return events;
        }
        backend.forEach(Backend.Column.KV, Revision.startOf(Math.max(1, fromRevision)), Revision.startOf(to + 1), (k, v) -> {
            Revision rev = Revision.fromBytes(k);
            KeyValue kv = parse(v, rev);
            Event.Builder e = Event.newBuilder();
            if (Revision.isTombstone(k)) {
                e.setType(Event.EventType.DELETE).setKv(kv.toBuilder().setModRevision(rev.main()));
            } else {
                e.setType(Event.EventType.PUT).setKv(kv);
            }
            boolean creation = e.getType() == Event.EventType.PUT && kv.getCreateRevision() == kv.getModRevision();
            if (prevKv && !creation) {
                try {
                    KeyValue prev = committedValue(kv.getKey(), rev.main() - 1);
                    if (prev != null) {
                        e.setPrevKv(prev);
                    }
                } catch (MissingRevision gone) {
                    // compacted meanwhile: etcd sends the event without prev_kv then
                }
            }
            events.add(e.build());
            return true;
        });
        if (fromRevision < state.compactMainRev) {
            throw EtcdError.COMPACTED.exception(); // storage may have changed under the scan
        }
        return events;
    }

    /** Result of {@link #hashKv}: hash of the kv data up to a revision, with the store's revisions. */
    public record KvHash(long hash, long currentRevision, long compactRevision) {
    }

    /**
     * A CRC-32C over the stored revisions <= {@code revision} (0 = current) that the index still
     * holds, for comparing members (etcd's HashKV; the value is not etcd's). COMPACTED if the
     * revision is compacted, FUTURE_REV if above the current one.
     */
    public KvHash hashKv(long revision) {
        while (true) {
            State s = state;
            if (revision > 0 && revision <= s.compactMainRev) {
                throw EtcdError.COMPACTED.exception();
            }
            if (revision > s.currentRev) {
                throw EtcdError.FUTURE_REV.exception();
            }
            long upTo = revision == 0 ? s.currentRev : revision;
            CRC32C crc = new CRC32C();
            crc.update(Backend.Column.KV.cfName().getBytes(StandardCharsets.UTF_8));
            backend.forEach(Backend.Column.KV, null, Revision.startOf(upTo + 1), (k, v) -> {
                Revision rev = Revision.fromBytes(k);
                if (rev.main() <= s.compactMainRev) {
                    KeyIndex ki = s.index.get(parse(v, rev).getKey());
                    if (ki == null || !ki.contains(rev)) {
                        return true; // compacted away, maybe not yet deleted
                    }
                }
                crc.update(k);
                crc.update(v);
                return true;
            });
            if (state.compactMainRev == s.compactMainRev) {
                return new KvHash(crc.getValue(), s.currentRev, Math.max(0, s.compactMainRev));
            }
            // A compaction was published during the scan: the index no longer matches it.
        }
    }

    /** Opens the write txn for one Raft entry. Apply thread only, one at a time. */
    public WriteTxn begin() {
        if (openTxn.get() != null) {
            throw new IllegalStateException("a write txn is already open");
        }
        State s = state;
        WriteTxn txn = new WriteTxn(this, s.currentRev, s.compactMainRev, s.index);
        openTxn.set(txn);
        return txn;
    }

    /**
     * Compacts at {@code revision} as part of {@code txn}: COMPACTED if not above the last
     * compaction, FUTURE_REV if above the current revision. The index drops superseded revisions
     * within the txn; after commit the stored ones are deleted in the background. The future
     * completes when that deletion has finished.
     */
    public CompletableFuture<Void> compact(long revision, WriteTxn txn) {
        if (openTxn.get() != txn) {
            throw new IllegalStateException("not the open write txn");
        }
        if (revision <= txn.compactMainRev()) {
            throw EtcdError.COMPACTED.exception();
        }
        if (revision > txn.beginRev()) {
            throw EtcdError.FUTURE_REV.exception();
        }
        return txn.compactIndex(revision);
    }

    /**
     * Completes when the last physical compaction scheduled so far (also one resumed at open) has
     * finished deleting.
     */
    public CompletableFuture<Void> physicalCompaction() {
        return lastCompaction;
    }

    void txnEnded(WriteTxn txn) {
        openTxn.compareAndSet(txn, null);
    }

    void commit(WriteTxn txn, long term, long appliedIndex) {
        try {
            List<WriteTxn.Change> changes = txn.changes();
            long newRev = txn.endRevision();
            long compactRev = txn.pendingCompact();
            boolean compacting = compactRev != Long.MIN_VALUE;
            RevisionListener l = listener;

            var batch = txn.batch();
            long added = 0;
            for (WriteTxn.Change c : changes) {
                byte[] key = c.delete() ? c.rev().toTombstoneBytes() : c.rev().toBytes();
                byte[] value = c.kv().toByteArray();
                backend.put(batch, Backend.Column.KV, key, value);
                added += key.length + value.length;
            }
            backend.put(batch, Backend.Column.META, MetaKeys.APPLIED, MetaKeys.encodeApplied(term, appliedIndex));
            TermStarts starts = termStarts.with(term, appliedIndex);
            if (starts != termStarts) {
                backend.put(batch, Backend.Column.META, MetaKeys.TERM_STARTS, starts.encode());
            }
            if (compacting) {
                backend.put(batch, Backend.Column.META, MetaKeys.SCHEDULED_COMPACT, MetaKeys.encodeLong(compactRev));
            }
            backend.write(batch);
            storedBytes.addAndGet(added);
            termStarts = starts;

            State before = state;
            long newCompact = compacting ? compactRev : before.compactMainRev;
            if (compacting) {
                // Before the index changes: a reader that sees a compacted entry then sees this too.
                state = new State(before.currentRev, newCompact, before.appliedTerm, before.appliedIndex, before.index);
            }
            // Index entries are multi-version: published all at once, a reader at an earlier
            // revision of this txn still finds what that revision held.
            before.index.publishAll(txn.txnIndex().changes());
            int from = 0;
            while (from < changes.size()) {
                long rev = changes.get(from).rev().main();
                int to = from;
                while (to < changes.size() && changes.get(to).rev().main() == rev) {
                    to++;
                }
                boolean last = to == changes.size();
                state = last ? new State(rev, newCompact, term, appliedIndex, before.index)
                        : new State(rev, newCompact, before.appliedTerm, before.appliedIndex, before.index);
                if (l != null) {
                    notify(l, txn, rev, changes.subList(from, to));
                }
                from = to;
            }
            if (changes.isEmpty()) {
                state = new State(newRev, newCompact, term, appliedIndex, before.index);
            }
            if (compacting) {
                List<CompletableFuture<Void>> futures = List.copyOf(txn.compactionFutures());
                lastCompaction = futures.get(futures.size() - 1);
                compactor.schedule(compactRev, futures);
            }
        } finally {
            txn.finish();
        }
    }

    private void notify(RevisionListener l, WriteTxn txn, long rev, List<WriteTxn.Change> changes) {
        try {
            l.onCommit(rev, prevKv -> events(txn, rev, changes, prevKv));
        } catch (RuntimeException e) {
            LOG.error("revision listener failed revision={}", rev, e);
        }
    }

    /** What {@link #forEachLiveKey} calls for each key that exists at the current revision. */
    @FunctionalInterface
    public interface LiveKeyVisitor {
        void visit(ByteString key, long lease);
    }

    /**
     * Visits every key alive at the current revision with the lease it is attached to (0 for none),
     * in key order. For rebuilding lease attachments at start; call before apply begins.
     */
    public void forEachLiveKey(LiveKeyVisitor visitor) {
        State s = state;
        long rev = s.currentRev;
        for (KeyIndex ki : s.index.all()) {
            KeyIndex.Found f = ki.get(rev);
            if (f != null) {
                visitor.visit(ki.key(), storedValue(f.modified()).getLease());
            }
        }
    }

    /**
     * One revision's changes as watch events, prev_kv as of the revision before (none for
     * creations), found through the txn so that earlier revisions of the same txn count.
     */
    private static List<Event> events(WriteTxn txn, long rev, List<WriteTxn.Change> changes, boolean prevKv) {
        List<Event> events = new ArrayList<>(changes.size());
        for (WriteTxn.Change c : changes) {
            Event.Builder e = Event.newBuilder();
            if (c.delete()) {
                e.setType(Event.EventType.DELETE).setKv(c.kv().toBuilder().setModRevision(rev));
            } else {
                e.setType(Event.EventType.PUT).setKv(c.kv());
            }
            boolean creation = !c.delete() && c.kv().getCreateRevision() == c.kv().getModRevision();
            if (prevKv && !creation) {
                KeyIndex ki = txn.txnIndex().get(c.kv().getKey());
                KeyIndex.Found f = ki == null ? null : ki.get(rev - 1);
                if (f != null) {
                    e.setPrevKv(txn.valueAt(f.modified()));
                }
            }
            events.add(e.build());
        }
        return events;
    }

    /** The key's committed value as of {@code rev}, or null. */
    private KeyValue committedValue(ByteString key, long rev) {
        KeyIndex ki = state.index.get(key);
        KeyIndex.Found f = ki == null ? null : ki.get(rev);
        return f == null ? null : storedValue(f.modified());
    }

    KeyValue storedValue(Revision rev) {
        byte[] v = backend.get(Backend.Column.KV, rev.toBytes());
        if (v == null) {
            throw new MissingRevision(rev);
        }
        return parse(v, rev);
    }

    private static KeyValue parse(byte[] v, Revision rev) {
        try {
            return KeyValue.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt kv entry at " + rev, e);
        }
    }

    /** Stops background compaction. The backend stays open (its owner closes it). */
    @Override
    public void close() {
        compactor.close();
    }
}
