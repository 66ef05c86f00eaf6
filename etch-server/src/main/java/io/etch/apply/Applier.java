package io.etch.apply;

import io.etch.alarm.AlarmStore;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReplies;
import io.etch.api.raftpb.RaftReply;
import io.etch.auth.AuthInfo;
import io.etch.auth.AuthStore;
import io.etch.auth.SimpleTokens;
import io.etch.errors.EtcdError;
import io.etch.membership.MemberStore;
import io.etch.errors.EtchException;
import io.etch.lease.Lessor;
import io.etch.metrics.EtchMetrics;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.WriteTxn;
import io.etch.storage.Backend;
import io.etch.storage.StorageException;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Applies committed Raft entries to the store: one store transaction per entry (a batch entry's
 * requests in order, each with its own revision), committed together with the entry's term and
 * index. A refused request changes nothing but the applied index.
 */
public final class Applier implements EntryApplier {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Applier.class);

    private final Backend backend;
    private final MvccStore store;
    private final KvApplier kv;
    private final Lessor lessor;
    /** Clients waiting for a physical compaction, by compaction revision. */
    private final NavigableMap<Long, CompletableFuture<Void>> compactionWaiters = new TreeMap<>();
    private long physicallyCompacted;
    private final EtchMetrics metrics;

    private final AuthApplier authChanges;
    private final AuthStore auth;
    private final MemberStore members;
    private final AlarmStore alarms;
    private final RequestPermissions permissions;

    public Applier(Backend backend, MvccStore store, Lessor lessor) {
        this(backend, store, lessor, AuthStore.open(backend, new SimpleTokens(300, System::nanoTime)),
                MemberStore.open(backend), AlarmStore.open(backend), EtchMetrics.unscraped());
    }

    public Applier(Backend backend, MvccStore store, Lessor lessor, AuthStore auth, MemberStore members,
            AlarmStore alarms, EtchMetrics metrics) {
        this.metrics = metrics;
        this.members = members;
        this.alarms = alarms;
        this.authChanges = new AuthApplier(auth);
        this.auth = auth;
        this.permissions = new RequestPermissions(auth, lessor);
        this.backend = backend;
        this.store = store;
        this.kv = new KvApplier(lessor::exists);
        this.lessor = lessor;
        // Opening the store may have resumed an unfinished physical compaction.
        this.physicallyCompacted = -1;
        long resumed = store.compactedRevision();
        store.physicalCompaction().thenRun(() -> physicalCompactionDone(resumed));
    }

    @Override
    public RaftReply apply(RaftEntry entry, long term, long index) {
        if (index <= store.appliedIndex()) {
            return RaftReply.getDefaultInstance();
        }
        WriteTxn txn = store.begin();
        RaftReply reply;
        if (entry.getRequestCase() == RaftEntry.RequestCase.BATCH) {
            // One request after another, each with its own revision; one storage write for all.
            RaftReplies.Builder replies = RaftReplies.newBuilder();
            for (RaftEntry request : entry.getBatch().getEntriesList()) {
                replies.addReplies(applyRequest(txn, request, index));
                txn.nextRequest();
            }
            reply = RaftReply.newBuilder().setBatch(replies).build();
        } else {
            reply = applyRequest(txn, entry, index);
        }
        txn.commit(term, index);
        return reply;
    }

    private RaftReply applyRequest(WriteTxn txn, RaftEntry entry, long index) {
        RaftReply reply;
        try {
            AuthInfo who = entry.hasHeader()
                    ? new AuthInfo(entry.getHeader().getUsername(), entry.getHeader().getAuthRevision())
                    : AuthInfo.MEMBER;
            checkPermission(entry, who);
            checkAlarms(entry);
            reply = AuthApplier.isAuthChange(entry.getRequestCase())
                    ? authChanges.apply(txn, entry, who, index)
                    : switch (entry.getRequestCase()) {
                case PUT -> RaftReply.newBuilder().setPut(kv.put(txn, entry.getPut())).build();
                case DELETE_RANGE -> RaftReply.newBuilder().setDeleteRange(kv.deleteRange(txn, entry.getDeleteRange())).build();
                case TXN -> RaftReply.newBuilder().setTxn(kv.txn(txn, entry.getTxn())).build();
                case COMPACTION -> compact(txn, entry.getCompaction().getRevision());
                case LEASE_GRANT -> RaftReply.newBuilder().setLeaseGrant(lessor.grant(txn, entry.getLeaseGrant())).build();
                case LEASE_REVOKE -> RaftReply.newBuilder().setLeaseRevoke(lessor.revoke(txn, entry.getLeaseRevoke().getID())).build();
                case LEASE_CHECKPOINT -> RaftReply.newBuilder().setLeaseCheckpoint(lessor.checkpoint(txn, entry.getLeaseCheckpoint())).build();
                case READ_BARRIER -> RaftReply.newBuilder().setReadBarrier(entry.getReadBarrier()).build();
                case MEMBER_ATTRIBUTES -> {
                    members.publish(txn.batch(), entry.getMemberAttributes());
                    yield RaftReply.newBuilder().setMemberAttributes(entry.getMemberAttributes()).build();
                }
                case MEMBER_CHANGE -> {
                    members.apply(txn.batch(), entry.getMemberChange());
                    yield RaftReply.newBuilder().setMemberChange(entry.getMemberChange()).build();
                }
                case ALARM -> RaftReply.newBuilder().setAlarm(alarms.apply(txn.batch(), entry.getAlarm())).build();
                // Members propose flat batches only.
                default -> RaftReply.newBuilder().setError("INTERNAL").build();
            };
        } catch (EtchException e) {
            txn.discardChanges();
            reply = RaftReply.newBuilder().setError(e.error().name()).build();
        } catch (StorageException e) {
            // Not the request's fault: this member's storage failed, and it must stop, not refuse.
            throw e;
        } catch (RuntimeException e) {
            // A defect in request handling: every member hits it the same way, so refusing the
            // request keeps them identical; the store must not keep half of it.
            log.error("applying entry {} failed; the request is refused", index, e);
            txn.discardChanges();
            reply = RaftReply.newBuilder().setError("INTERNAL").build();
        }
        lessor.track(txn);
        count(entry, reply);
        return reply;
    }

    /**
     * Checked at apply, against the auth state at this point of the log, so every member decides
     * alike and a permission revoked before the entry was committed is honoured.
     */
    private void checkPermission(RaftEntry entry, AuthInfo who) {
        switch (entry.getRequestCase()) {
            case PUT -> permissions.checkPut(who, entry.getPut());
            case DELETE_RANGE -> permissions.checkDeleteRange(who, entry.getDeleteRange());
            case TXN -> permissions.checkTxn(who, entry.getTxn());
            case LEASE_REVOKE -> {
                permissions.requireUser(who);
                permissions.checkLeaseKeys(who, entry.getLeaseRevoke().getID());
            }
            // etcd lets anyone compact, even without credentials; Etch asks for a user at least.
            case LEASE_GRANT, COMPACTION -> permissions.requireUser(who);
            // Only members propose these (a client's membership change is checked by the API and
            // proposed by the leader); no client request becomes this entry.
            case ALARM -> auth.checkAdmin(who);
            case MEMBER_ATTRIBUTES, MEMBER_CHANGE -> {
                if (!who.equals(AuthInfo.MEMBER)) {
                    throw EtcdError.PERMISSION_DENIED.exception();
                }
            }
            default -> { }
        }
    }

    /**
     * etcd's capped and corrupt appliers: with a NOSPACE alarm raised anywhere, requests that add
     * data (a put, a txn that may put, a lease grant) are refused, while deletes, compaction and
     * revokes still free space; with a CORRUPT alarm, every change is refused. Decided from the
     * alarms at this point of the log, so all members refuse alike.
     */
    private void checkAlarms(RaftEntry entry) {
        if (alarms.isRaised(AlarmType.CORRUPT)) {
            switch (entry.getRequestCase()) {
                case PUT, DELETE_RANGE, TXN, COMPACTION, LEASE_GRANT, LEASE_REVOKE -> throw EtcdError.CORRUPT.exception();
                default -> { }
            }
        }
        if (alarms.isRaised(AlarmType.NOSPACE)) {
            boolean adds = switch (entry.getRequestCase()) {
                case PUT, LEASE_GRANT -> true;
                case TXN -> QuotaCost.of(entry.getTxn()) > 0;
                default -> false;
            };
            if (adds) {
                throw EtcdError.NO_SPACE.exception();
            }
        }
    }

    /** Counts what a request did as etcd's mvcc counters do: every put, delete and range, and each txn. */
    private void count(RaftEntry entry, RaftReply reply) {
        switch (reply.getReplyCase()) {
            case PUT -> metrics.puts.inc();
            case DELETE_RANGE -> metrics.deletes.inc();
            case TXN -> TxnCounts.count(metrics, entry.getTxn(), reply.getTxn());
            case LEASE_GRANT -> metrics.leasesGranted.inc();
            case LEASE_REVOKE -> metrics.leasesRevoked.inc();
            default -> { }
        }
    }

    private RaftReply compact(WriteTxn txn, long revision) {
        CompletableFuture<Void> physical = store.compact(revision, txn);
        // A discarded txn cancels the future: only a finished deletion counts.
        physical.thenRun(() -> physicalCompactionDone(revision));
        return RaftReply.newBuilder()
                .setCompaction(CompactionResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(store.currentRevision())))
                .build();
    }

    private synchronized void physicalCompactionDone(long revision) {
        physicallyCompacted = Math.max(physicallyCompacted, revision);
        var done = compactionWaiters.headMap(revision, true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    /** Completes when the store has physically removed what the compaction at {@code revision} dropped. */
    public synchronized CompletableFuture<Void> physicalCompaction(long revision) {
        if (revision <= physicallyCompacted) {
            return CompletableFuture.completedFuture(null);
        }
        return compactionWaiters.computeIfAbsent(revision, r -> new CompletableFuture<>());
    }

    @Override
    public void applyEmpty(long term, long index) {
        if (index > store.appliedIndex()) {
            store.begin().commit(term, index);
        }
    }

    @Override
    public long appliedTerm() {
        return store.appliedTerm();
    }

    @Override
    public long termAt(long index) {
        return store.termAt(index);
    }

    @Override
    public long appliedIndex() {
        return store.appliedIndex();
    }

    @Override
    public void flush() {
        backend.flush();
    }

    @Override
    public void checkpoint(Path target) {
        backend.checkpoint(target);
    }

    @Override
    public long[] appliedIn(Path dir) {
        try (Backend copy = Backend.open(dir)) {
            return MvccStore.appliedIn(copy);
        }
    }

    @Override
    public void restore(Path dir) {
        backend.replaceWith(dir);
        store.restore();
        lessor.restore(store, System.nanoTime());
        auth.restore();
        members.restore();
        alarms.restore();
        // Clients waiting for a physical compaction this member will not run: the checkpoint's
        // store has it done, or runs it on its own (resumed by the restore).
        physicallyCompacted = Math.max(physicallyCompacted, store.compactedRevision());
        var done = compactionWaiters.headMap(physicallyCompacted, true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
        log.info("restored from a checkpoint appliedIndex={} revision={}", store.appliedIndex(), store.currentRevision());
    }
}
