package io.etch.raft;

import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.apply.EntryApplier;
import io.etch.errors.FatalHandler;
import io.etch.metrics.EtchMetrics;
import io.etch.storage.StorageException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;

/**
 * The Ratis state machine contract, delegated to Etch's applier.
 *
 * <p>The store persists the applied term/index atomically with the data, so the store itself is
 * the snapshot: on start Ratis is told that everything up to the stored index is applied and
 * replays only the entries after it. Taking a snapshot flushes the store (it has no WAL), after
 * which Ratis may purge the log up to it. A member that needs purged entries is notified by the
 * leader (Ratis' install-snapshot notification, not its file transfer), fetches a checkpoint of
 * the leader's store ({@link SnapshotFetcher}) and swaps it in when Ratis reloads the state
 * machine ({@link #reinitialize}).
 */
final class EtchStateMachine extends BaseStateMachine {
    /** etcd warns of, and counts, an apply that takes longer than this. */
    private static final long SLOW_APPLY_NANOS = 100_000_000L;

    private final EntryApplier applier;
    private final LeaderQueries queries;
    private final LongConsumer appliedListener;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final EtchMetrics metrics;
    private final FatalHandler fatal;
    private volatile TermIndex durableUpTo;
    private final SnapshotFetcher fetcher;
    /** A fetched checkpoint waiting for Ratis to reload the state machine with it. */
    private volatile PeerSnapshotService.Received received;
    private RaftPeerId lastLeader;

    /** {@code appliedListener} hears each applied index, after the entry is visible to readers. */
    EtchStateMachine(EntryApplier applier, LeaderQueries queries, LongConsumer appliedListener, EtchMetrics metrics,
                     FatalHandler fatal, SnapshotFetcher fetcher) {
        this.applier = applier;
        this.fetcher = fetcher;
        this.queries = queries;
        this.appliedListener = appliedListener;
        this.metrics = metrics;
        this.fatal = fatal;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        if (applier.appliedIndex() > 0) {
            durableUpTo = TermIndex.valueOf(applier.appliedTerm(), applier.appliedIndex());
            setLastAppliedTermIndex(durableUpTo);
        }
        getLifeCycle().startAndTransition(() -> { });
    }

    /**
     * The term of the applied entry at {@code index} (-1 if unknown), for a leader whose log no
     * longer holds it ({@link PromptCommitRpc}).
     */
    long appliedTermAt(long index) {
        return applier.termAt(index);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * The store, durable up to the last snapshot taken (or installed). It has no files for Ratis to
     * send: members get it through the notification ({@code installSnapshotEnabled} is off).
     */
    @Override
    public SnapshotInfo getLatestSnapshot() {
        TermIndex ti = durableUpTo;
        return ti == null ? null : new StoredState(ti);
    }

    /**
     * The leader's log starts after what this member has: fetch a checkpoint of its store. With
     * nothing missing (a joining member the leader offers one to first), say there is none, and
     * the leader sends the log instead.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RaftProtos.RoleInfoProto roleInfo,
                                                                        TermIndex firstTermIndexInLog) {
        long have = applier.appliedIndex();
        if (firstTermIndexInLog.getIndex() <= have + 1) {
            return CompletableFuture.completedFuture(null);
        }
        RaftProtos.RaftPeerProto leader = roleInfo.getFollowerInfo().getLeaderInfo().getId();
        return fetcher.fetch(leader.getAddress(), firstTermIndexInLog.getIndex(), have).thenApply(r -> {
            received = r;
            return TermIndex.valueOf(r.term(), r.index());
        });
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** Ratis reloads the state machine after a snapshot was installed: swap the fetched checkpoint in. */
    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().transition(LifeCycle.State.STARTING);
        PeerSnapshotService.Received r = received;
        received = null;
        if (r != null) {
            try {
                applier.restore(r.dir());
            } catch (StorageException e) {
                stop("storage failed while installing the snapshot at index " + r.index(), e);
                throw new IOException(e);
            }
            TermIndex ti = TermIndex.valueOf(applier.appliedTerm(), applier.appliedIndex());
            durableUpTo = ti;
            setLastAppliedTermIndex(ti);
            appliedListener.accept(ti.getIndex());
        }
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        var logEntry = trx.getLogEntry();
        long term = logEntry.getTerm();
        long index = logEntry.getIndex();
        long start = System.nanoTime();
        RaftReply reply;
        RaftEntry entry;
        try {
            entry = RaftEntry.parseFrom(logEntry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // Only Etch members write entries, and the others read this one: this member's copy
            // is damaged. Applying anything else in its place would make it diverge.
            return stop("the committed entry at index " + index + " cannot be decoded", e);
        }
        try {
            reply = applier.apply(entry, term, index);
        } catch (StorageException e) {
            return stop("storage failed while applying the entry at index " + index, e);
        }
        if (System.nanoTime() - start > SLOW_APPLY_NANOS) {
            metrics.slowApplies.inc();
        }
        updateLastAppliedTermIndex(term, index);
        appliedListener.accept(index);
        return CompletableFuture.completedFuture(
                Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
    }

    /** Counted as etcd counts them: each new leader this member learns of. */
    @Override
    public synchronized void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (newLeaderId != null && !newLeaderId.equals(lastLeader)) {
            metrics.leaderChanges.inc();
            lastLeader = newLeaderId;
        }
    }

    private CompletableFuture<Message> stop(String reason, Throwable cause) {
        fatal.stop(reason, cause);
        return CompletableFuture.failedFuture(new IllegalStateException(reason, cause));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Leader no-ops and configuration entries: keep the stored applied index in step with Ratis.
        if (index > applier.appliedIndex()) {
            try {
                applier.applyEmpty(term, index);
            } catch (StorageException e) {
                stop("storage failed while recording index " + index, e);
                return;
            }
        }
        super.notifyTermIndexUpdated(term, index);
        appliedListener.accept(index);
    }

    /**
     * A linearizable read barrier (empty message) reaches here once the local state has caught up
     * with the read index; a leader query (sent non-linearizably, so only the leader gets it) is
     * answered by the server.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        if (request.getContent().isEmpty()) {
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        return queries.answer(request.getContent().toByteArray())
                .thenApply(answer -> Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    }

    @Override
    public long takeSnapshot() {
        applier.flush();
        TermIndex ti = TermIndex.valueOf(applier.appliedTerm(), applier.appliedIndex());
        durableUpTo = ti;
        return ti.getIndex();
    }

    @Override
    public TransactionContext applyTransactionSerial(TransactionContext trx) throws InvalidProtocolBufferException {
        return trx;
    }

    /** The state held in the store, durable up to a term/index; it has no separate files. */
    private record StoredState(TermIndex termIndex) implements SnapshotInfo {
        @Override
        public TermIndex getTermIndex() {
            return termIndex;
        }

        @Override
        public List<FileInfo> getFiles() {
            return List.of();
        }
    }
}
