package io.etch.server;

import io.etch.alarm.AlarmStore;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.DowngradeInfo;
import io.etch.api.etcdserverpb.DowngradeRequest;
import io.etch.api.etcdserverpb.DowngradeResponse;
import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.api.etcdserverpb.HashResponse;
import io.etch.api.raftpb.HashCheck;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseLeasesResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.LeaseStatus;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.api.raftpb.LeaderAnswer;
import io.etch.api.raftpb.LeaderQuery;
import io.etch.api.raftpb.MemberAttributes;
import io.etch.api.raftpb.MemberChange;
import io.etch.membership.MemberStore;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.api.raftpb.RequestHeader;
import io.etch.apply.RequestPermissions;
import io.etch.auth.AuthInfo;
import io.etch.auth.AuthStore;
import io.etch.auth.Passwords;
import io.etch.apply.Applier;
import io.etch.apply.KvApplier;
import io.etch.apply.KvRequestValidator;
import io.etch.apply.QuotaCost;
import io.etch.snapshot.EtcdSnapshotWriter;
import io.etch.apply.TxnCounts;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.errors.FatalHandler;
import io.etch.lease.Lessor;
import io.etch.metrics.EtchMetrics;
import io.etch.mvcc.MvccStore;
import io.etch.raft.RaftMember;
import io.etch.raft.RaftNode;
import io.etch.raft.RaftSettings;
import io.etch.storage.Backend;
import io.etch.watch.WatchHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Etch member: the store, the Raft node, and the request paths between them. Writes are
 * proposed through Raft and answered with what apply produced; reads run against the local store,
 * behind the ReadIndex barrier unless the client asked for a serializable read.
 */
public final class EtchServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EtchServer.class);

    private final ServerSettings settings;
    private final Backend backend;
    private final MvccStore store;
    private final WatchHub watchHub;
    private final Applier applier;
    /** Runs read-only txns outside Raft. */
    private final KvApplier reads;
    private final Lessor lessor;
    private final LeaderLeases leaderLeases;
    private final LeaseIds leaseIds;
    private final RaftNode raft;
    private final MemberStore memberStore;
    private final AlarmStore alarms;
    /** A NOSPACE alarm of this member is being proposed: the writes refused meanwhile propose no other. */
    private final AtomicBoolean noSpaceRaising = new AtomicBoolean();
    /** Runs defragmentations one at a time, off the request threads. */
    private final java.util.concurrent.ExecutorService defragExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "etch-defrag");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Void> defragQueue = CompletableFuture.completedFuture(null);
    /** The corruption check's thread: a round waits for the other members' answers. */
    private final ScheduledExecutorService corruptionChecks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etch-corrupt-check");
        t.setDaemon(true);
        return t;
    });
    private final ClusterMembership membership;
    private final CompletableFuture<String> removed = new CompletableFuture<>();
    private final Executor readExecutor;
    private final ScheduledExecutorService timers;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final EtchMetrics metrics;
    private final AuthStore auth;
    private final RequestPermissions permissions;
    private final AuthRequests authRequests;

    private EtchServer(ServerSettings settings, Executor readExecutor) throws IOException {
        this.settings = settings;
        this.readExecutor = readExecutor;
        this.metrics = new EtchMetrics(settings.metricsLevel());
        Files.createDirectories(settings.storeDir());
        Files.createDirectories(settings.raftLogDir());
        new MemberIdentity(settings.memberId(), settings.clusterId()).writeIfAbsent(settings.dataDir());
        this.backend = Backend.open(settings.storeDir());
        Backend.deleteTree(exportDir()); // snapshots a stopped member was sending
        backend.observeCommits(nanos -> metrics.backendCommit.observe(nanos / 1e9));
        this.store = MvccStore.open(backend);
        // Before Raft starts: every revision applied from now on, replayed ones too, reaches watchers.
        this.watchHub = new WatchHub(store, settings.watchProgressNotifyInterval());
        store.setListener(watchHub);
        this.lessor = Lessor.open(backend, store, settings.leaseCheckpointInterval().toNanos());
        this.auth = AuthStore.open(backend, settings.auth().tokens().get());
        this.permissions = new RequestPermissions(auth, lessor);
        this.authRequests = new AuthRequests(this, auth, new Passwords(settings.auth().bcryptCost()));
        this.memberStore = MemberStore.open(backend);
        this.alarms = AlarmStore.open(backend);
        this.applier = new Applier(backend, store, lessor, auth, memberStore, alarms, metrics);
        this.reads = new KvApplier(lessor::exists);
        this.leaseIds = new LeaseIds(settings.memberId(), System.currentTimeMillis());
        EtchServer[] self = {null};
        this.raft = new RaftNode(raftSettings(settings, memberStore.current()), settings.peerBind(), applier,
                query -> self[0].answerLeaderQuery(query), metrics, FatalHandler.HALT,
                () -> self[0].membership.forPeers());
        this.leaderLeases = new LeaderLeases(lessor, raft, settings.election().toNanos(), raft::propose);
        this.membership = new ClusterMembership(settings, memberStore, raft, e -> propose(e, r -> null),
                this::removedFromCluster);
        self[0] = this;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etch-timers");
            t.setDaemon(true);
            return t;
        });
        registerGauges();
    }

    /** What etcd reports of its state, read when scraped. */
    private void registerGauges() {
        metrics.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                () -> raft.leaderId() != 0 ? 1 : 0);
        metrics.gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
                () -> raft.isLeader() ? 1 : 0);
        metrics.gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
                raft::committedIndex);
        metrics.gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
                raft::appliedIndex);
        metrics.gauge("etcd_server_is_learner", "Whether or not this member is a learner. 1 if is, 0 otherwise.",
                () -> isLearner() ? 1 : 0);
        metrics.gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
                store::dbSize);
        metrics.gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.",
                store::dbSizeInUse);
        metrics.gauge("etcd_debugging_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes (etcd 3.4's name).",
                store::dbSize);
        metrics.gauge("etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.",
                settings::quotaBackendBytes);
        metrics.gauge("etch_mvcc_stored_bytes", "Bytes of the revisions the store keeps (keys and values): what"
                + " --quota-backend-bytes is checked against.", store::storedBytes);
        metrics.gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", store::keyCount);
        metrics.gauge("etcd_debugging_mvcc_current_revision", "The current revision of store.", store::currentRevision);
        metrics.gauge("etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
                store::compactedRevision);
        metrics.gauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", watchHub::watcherCount);
        metrics.gauge("etcd_mvcc_watcher_total", "Total number of watchers (the same as etcd_debugging_mvcc_watcher_total).",
                watchHub::watcherCount);
        metrics.gauge("etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.",
                watchHub::unsyncedWatcherCount);
        metrics.gauge("etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.", watchHub::streamCount);
        metrics.gauge("etcd_debugging_lease_total", "The number of leases.", () -> lessor.ids().size());
        metrics.info("etcd_server_id", "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
                "server_id", hex(settings.memberId()));
        metrics.info("etcd_server_version", "Which version is running. 1 for 'server_version' label with current version.",
                "server_version", Version.SERVER);
        metrics.info("etcd_cluster_version", "Which version is running. 1 for 'cluster_version' label with current cluster version",
                "cluster_version", Version.CAPABILITY); // etcd labels it major.minor ("3.5"), unlike /version
    }

    public EtchMetrics metrics() {
        return metrics;
    }

    /** The members this member's Raft clients may talk to: the recorded voters, or the bootstrap ones. */
    private static RaftSettings raftSettings(ServerSettings s, MemberStore.Membership recorded) {
        List<RaftMember> members = recorded.members().isEmpty()
                ? s.members().stream().map(m -> new RaftMember(m.id(), hostPort(m.peerUrls().get(0)))).toList()
                : recorded.members().values().stream().filter(m -> !m.getIsLearner())
                        .map(m -> new RaftMember(m.getId(), hostPort(m.getPeerUrls(0)))).toList();
        return new RaftSettings(s.memberId(), s.clusterId(), members, s.raftLogDir(),
                s.heartbeat(), s.election(), s.requestTimeout(), s.maxRequestBytes(), s.preVote(), s.unsafeNoFsync(),
                s.peerTls(), s.reconfig().joining(), s.snapshots().count(), s.snapshots().catchupEntries(),
                s.storeDir().resolveSibling("snap"));
    }

    private static String hostPort(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getHost() + ":" + uri.getPort();
    }

    /** Opens the store, joins the Raft group and starts serving once a leader is known. */
    public static EtchServer start(ServerSettings settings, Executor readExecutor) throws IOException {
        EtchServer server = new EtchServer(settings, readExecutor);
        log.info("starting member {} (name {}) in cluster {}, data dir {}, store at revision {}, applied index {}",
                hex(settings.memberId()), settings.name(), hex(settings.clusterId()), settings.dataDir(),
                server.store.currentRevision(), server.store.appliedIndex());
        server.raft.start();
        server.timers.scheduleWithFixedDelay(server.leaderLeases::tick,
                LeaderLeases.TICK_MILLIS, LeaderLeases.TICK_MILLIS, TimeUnit.MILLISECONDS);
        server.timers.scheduleWithFixedDelay(server::membershipTick,
                LeaderLeases.TICK_MILLIS, LeaderLeases.TICK_MILLIS, TimeUnit.MILLISECONDS);
        server.awaitReadiness();
        server.startAutoCompaction();
        return server;
    }

    private void awaitReadiness() {
        long now = System.nanoTime();
        awaitReadiness(now, now);
    }

    /** Retried every 100 ms; says every 5 s what it waits for, so a member that cannot start says why. */
    private void awaitReadiness(long since, long lastSaid) {
        readinessBarrier().whenComplete((ok, error) -> {
            if (error == null) {
                ready.complete(null);
            } else if (!timers.isShutdown()) {
                long now = System.nanoTime();
                boolean say = now - lastSaid >= TimeUnit.SECONDS.toNanos(5);
                if (say) {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    log.warn("not ready to serve clients after {} s: waiting to catch up with the leader ({})",
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since), cause.toString());
                }
                timers.schedule(() -> awaitReadiness(since, say ? now : lastSaid), 100, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * A voter is ready once it passed a read barrier. A learner cannot use one: Ratis (3.2) never
     * counts a listener it brought in as caught up, so the listener stays "starting" and its
     * ReadIndex fails. It asks the leader for its commit index instead and waits to apply up to it.
     */
    private CompletableFuture<Void> readinessBarrier() {
        if (!isLearner()) {
            return raft.caughtUp();
        }
        return askLeader(LeaderQuery.newBuilder().setCommitIndex(true).build())
                .thenCompose(a -> raft.awaitApplied(a.getCommitIndex()));
    }

    private void startAutoCompaction() {
        ServerSettings.AutoCompaction ac = settings.autoCompaction();
        if (!ac.enabled()) {
            return;
        }
        AutoCompactor.Target target = new AutoCompactor.Target() {
            @Override
            public long currentRevision() {
                return store.currentRevision();
            }

            @Override
            public boolean isLeader() {
                return raft.isLeader();
            }

            @Override
            public CompletableFuture<?> compact(long revision) {
                return EtchServer.this.compact(AuthInfo.MEMBER, CompactionRequest.newBuilder().setRevision(revision).build());
            }
        };
        AutoCompactor compactor = ac.revisions() > 0
                ? AutoCompactor.revision(ac.revisions(), target, System.nanoTime())
                : AutoCompactor.periodic(ac.period(), target, System.nanoTime());
        long every = compactor.tickInterval().toMillis();
        timers.scheduleAtFixedRate(() -> compactor.tick(System.nanoTime()), every, every, TimeUnit.MILLISECONDS);
        log.info("auto compaction enabled: {}", ac.revisions() > 0
                ? "keep " + ac.revisions() + " revisions" : "keep " + ac.period());
    }

    /** Completes when this member has a leader and has caught up with it. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** The Auth service's requests. */
    public AuthRequests authRequests() {
        return authRequests;
    }

    /** Runs {@code read} after the linearizable read barrier, on the read executor. */
    <T> CompletableFuture<T> afterBarrier(java.util.function.Supplier<T> read) {
        return raft.readBarrier().thenApplyAsync(v -> read.get(), readExecutor);
    }

    /** The auth store: users, roles, permissions; the checks API calls make. */
    public AuthStore auth() {
        return auth;
    }

    /**
     * Who a request's credentials stand for (INVALID_AUTH_TOKEN for a bad token). The certificate's
     * common name counts only with --client-cert-auth, as in etcd.
     */
    public AuthInfo identify(String token, String certificateCommonName) {
        return auth.identify(token, settings.auth().clientCertAuth() ? certificateCommonName : null);
    }

    /** etcd's check after a read: the caller's rights must not have changed while it was served. */
    private <T> T unlessStale(AuthInfo who, T result) {
        if (who.revision() > 0 && who.revision() != auth.revision() && auth.enabled()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        return result;
    }

    public CompletableFuture<RangeResponse> range(AuthInfo who, RangeRequest request) {
        KvRequestValidator.validateRange(request);
        metrics.ranges.inc();
        CompletableFuture<Void> barrier = request.getSerializable()
                ? CompletableFuture.completedFuture(null) : raft.readBarrier();
        return barrier.thenApplyAsync(v -> {
            permissions.checkRange(who, request);
            return unlessStale(who, withHeader(store.range(request)));
        }, readExecutor);
    }

    /**
     * etcd 3.7's RangeStream: the unary Range's validation (plus: key order only), read barrier and
     * permission check, then a range the caller reads in pieces at a revision pinned now.
     */
    public CompletableFuture<StreamedRange> rangeStream(AuthInfo who, RangeRequest request) {
        KvRequestValidator.validateRangeStream(request);
        metrics.ranges.inc();
        CompletableFuture<Void> barrier = request.getSerializable()
                ? CompletableFuture.completedFuture(null) : raft.readBarrier();
        return barrier.thenApplyAsync(v -> {
            permissions.checkRange(who, request);
            return new StreamedRange(store.rangeChunks(request), header(0), settings.maxRequestBytes(),
                    () -> unlessStale(who, null));
        }, readExecutor);
    }

    public CompletableFuture<PutResponse> put(AuthInfo who, PutRequest request) {
        KvRequestValidator.validatePut(request);
        if (!quotaAllows(QuotaCost.of(request))) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        return propose(who, RaftEntry.newBuilder().setPut(request), RaftReply::getPut)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(AuthInfo who, DeleteRangeRequest request) {
        KvRequestValidator.validateDeleteRange(request);
        return propose(who, RaftEntry.newBuilder().setDeleteRange(request), RaftReply::getDeleteRange)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    public CompletableFuture<TxnResponse> txn(AuthInfo who, TxnRequest request) {
        KvRequestValidator.validateTxn(request, settings.maxTxnOps());
        if (KvApplier.isReadOnly(request)) {
            // As etcd: a txn that only reads is served like a range, behind the read barrier
            // unless every range in it is serializable; it changes nothing, so Raft is not needed.
            CompletableFuture<Void> barrier = allSerializable(request)
                    ? CompletableFuture.completedFuture(null) : raft.readBarrier();
            return barrier.thenApplyAsync(v -> {
                permissions.checkTxn(who, request);
                TxnResponse r = reads.readOnlyTxn(store.readView(), request);
                TxnCounts.count(metrics, request, r);
                return unlessStale(who, withHeaders(r));
            }, readExecutor);
        }
        if (!quotaAllows(QuotaCost.of(request))) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        return propose(who, RaftEntry.newBuilder().setTxn(request), RaftReply::getTxn)
                .thenApply(this::withHeaders);
    }

    private static boolean allSerializable(TxnRequest r) {
        for (var op : r.getSuccessList()) {
            if (!op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        for (var op : r.getFailureList()) {
            if (!op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        return true;
    }

    public CompletableFuture<CompactionResponse> compact(AuthInfo who, CompactionRequest request) {
        CompletableFuture<CompactionResponse> logical =
                propose(who, RaftEntry.newBuilder().setCompaction(request), RaftReply::getCompaction)
                        .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
        if (!request.getPhysical()) {
            return logical;
        }
        return logical.thenCompose(r -> applier.physicalCompaction(request.getRevision()).thenApply(v -> r));
    }

    public CompletableFuture<LeaseGrantResponse> leaseGrant(AuthInfo who, LeaseGrantRequest request) {
        if (request.getTTL() > Lessor.MAX_TTL) {
            return CompletableFuture.failedFuture(EtcdError.LEASE_TTL_TOO_LARGE.exception());
        }
        if (!quotaAllows(QuotaCost.LEASE_OVERHEAD)) {
            return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
        }
        LeaseGrantRequest.Builder r = request.toBuilder().setTTL(Math.max(request.getTTL(), settings.minLeaseTtl()));
        if (request.getID() != 0) {
            return grant(who, r.build(), 0);
        }
        return grant(who, r.setID(leaseIds.next()).build(), 3);
    }

    /** Proposes a grant; a server-chosen id that happens to exist is replaced by a new one. */
    private CompletableFuture<LeaseGrantResponse> grant(AuthInfo who, LeaseGrantRequest r, int retries) {
        return propose(who, RaftEntry.newBuilder().setLeaseGrant(r), RaftReply::getLeaseGrant)
                .thenApply(g -> g.toBuilder().setHeader(header(g.getHeader().getRevision())).build())
                .exceptionallyCompose(e -> retries > 0 && errorIs(e, EtcdError.LEASE_EXIST)
                        ? grant(who, r.toBuilder().setID(leaseIds.next()).build(), retries - 1)
                        : CompletableFuture.failedFuture(e));
    }

    private static boolean errorIs(Throwable e, EtcdError error) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof EtchException x && x.error() == error;
    }

    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(AuthInfo who, LeaseRevokeRequest request) {
        return propose(who, RaftEntry.newBuilder().setLeaseRevoke(request), RaftReply::getLeaseRevoke)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader().getRevision())).build());
    }

    /**
     * Renews a lease on the leader (forwarded there from other members). Completes with the new
     * TTL, or LEASE_NOT_FOUND.
     */
    public CompletableFuture<LeaseKeepAliveResponse> leaseRenew(AuthInfo who, long id) {
        try {
            // etcd's checkLeaseRenew: renewing keeps the lease's keys alive, so it takes the right to write them
            auth.requireUser(who);
            permissions.checkLeaseKeys(who, id);
            unlessStale(who, null);
        } catch (EtchException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (raft.isLeader()) {
            try {
                long ttl = leaderLeases.renew(id);
                metrics.leasesRenewed.inc();
                return CompletableFuture.completedFuture(LeaseKeepAliveResponse.newBuilder()
                        .setHeader(header(store.currentRevision())).setID(id).setTTL(ttl).build());
            } catch (EtchException e) {
                if (e.error() != EtcdError.NOT_LEADER) {
                    return CompletableFuture.failedFuture(e);
                }
            }
        }
        LeaderQuery query = LeaderQuery.newBuilder().setLeaseRenew(LeaseKeepAliveRequest.newBuilder().setID(id)).build();
        return askLeader(query).thenApply(a -> a.getLeaseRenew().toBuilder()
                .setHeader(header(store.currentRevision())).build());
    }

    /** TimeToLive as the leader sees it; TTL -1 for an unknown lease, as etcd. */
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(AuthInfo who, LeaseTimeToLiveRequest request) {
        try {
            auth.requireUser(who);
            if (request.getKeys()) {
                permissions.checkLeaseKeysReadable(who, request.getID());
            }
        } catch (EtchException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<LeaseTimeToLiveResponse> answer;
        if (raft.isLeader()) {
            answer = raft.readBarrier().thenApplyAsync(v -> leaderLeases.timeToLive(request), readExecutor);
        } else {
            answer = askLeader(LeaderQuery.newBuilder().setLeaseTimeToLive(request).build())
                    .thenApply(LeaderAnswer::getLeaseTimeToLive);
        }
        return answer.thenApply(r -> unlessStale(who, r.toBuilder().setHeader(header(store.currentRevision())).build()));
    }

    public CompletableFuture<LeaseLeasesResponse> leaseLeases(AuthInfo who) {
        return raft.readBarrier().thenApplyAsync(v -> {
            auth.requireUser(who);
            for (long id : lessor.ids()) {
                permissions.checkLeaseKeysReadable(who, id);
            }
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(header(store.currentRevision()));
            for (long id : lessor.ids()) {
                b.addLeases(LeaseStatus.newBuilder().setID(id));
            }
            return unlessStale(who, b.build());
        }, readExecutor);
    }

    private CompletableFuture<LeaderAnswer> askLeader(LeaderQuery query) {
        return raft.askLeader(query.toByteArray()).thenApply(bytes -> {
            LeaderAnswer a;
            try {
                a = LeaderAnswer.parseFrom(bytes);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new CompletionException(EtcdError.INTERNAL.exception());
            }
            if (a.getAnswerCase() == LeaderAnswer.AnswerCase.ERROR) {
                EtcdError error = errorOf(a.getError());
                // The member asked stopped leading meanwhile: to the client that is a timeout to retry.
                throw new CompletionException((error == EtcdError.NOT_LEADER ? EtcdError.TIMEOUT : error).exception());
            }
            return a;
        });
    }

    /**
     * etcd's backend quota, checked before a request that adds data is proposed: when the store
     * would exceed --quota-backend-bytes, this member raises the NOSPACE alarm (once; apply then
     * refuses such requests on every member) and the request fails. The quota counts the bytes of
     * the revisions the store keeps ({@link MvccStore#storedBytes}), not RocksDB's files, whose size
     * depends on when RocksDB compacts them; a compaction frees quota at once.
     */
    private boolean quotaAllows(long cost) {
        long quota = settings.quotaBackendBytes();
        if (quota < 0 || cost == 0 || store.storedBytes() + cost < quota) {
            return true;
        }
        boolean raised = alarms.all().stream()
                .anyMatch(a -> a.getAlarm() == AlarmType.NOSPACE && a.getMemberID() == settings.memberId());
        if (!raised && noSpaceRaising.compareAndSet(false, true)) {
            log.warn("the store holds {} bytes, the quota is {}: raising the NOSPACE alarm", store.storedBytes(), quota);
            AlarmRequest raise = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                    .setMemberID(settings.memberId()).setAlarm(AlarmType.NOSPACE).build();
            propose(RaftEntry.newBuilder().setAlarm(raise).build(), RaftReply::getAlarm)
                    .whenComplete((r, e) -> {
                        noSpaceRaising.set(false);
                        if (e != null) {
                            log.warn("raising the NOSPACE alarm failed (retried with the next write): {}", e.toString());
                        }
                    });
        }
        return false;
    }

    /**
     * etcd's Alarm call. GET answers this member's alarms after the read barrier (etcd sends it
     * through Raft: the same answer); ACTIVATE and DEACTIVATE are proposed and applied on every member.
     */
    public CompletableFuture<AlarmResponse> alarm(AuthInfo who, AlarmRequest request) {
        if (request.getAction() == AlarmRequest.AlarmAction.GET) {
            return raft.readBarrier().thenApplyAsync(v -> AlarmResponse.newBuilder()
                    .setHeader(header(store.currentRevision()))
                    .addAllAlarms(alarms.get(request.getAlarm())).build(), readExecutor);
        }
        return propose(who, RaftEntry.newBuilder().setAlarm(request), RaftReply::getAlarm)
                .thenApply(r -> r.toBuilder().setHeader(header(store.currentRevision())).build());
    }

    /** The alarms raised in the cluster, as this member applied them. */
    public List<AlarmMember> alarms() {
        return alarms.all();
    }

    /** Proposes a client's request with the caller's identity, checked again at apply. */
    <T> CompletableFuture<T> propose(AuthInfo who, RaftEntry.Builder entry, Function<RaftReply, T> result) {
        if (!who.isMember()) {
            entry.setHeader(RequestHeader.newBuilder().setUsername(who.user()).setAuthRevision(who.revision()));
        }
        return propose(entry.build(), result);
    }

    private <T> CompletableFuture<T> propose(RaftEntry entry, Function<RaftReply, T> result) {
        if (entry.getSerializedSize() > settings.maxRequestBytes()) {
            return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        return raft.propose(entry).thenApply(reply -> {
            if (reply.getReplyCase() == RaftReply.ReplyCase.ERROR) {
                throw new CompletionException(errorOf(reply.getError()).exception());
            }
            return result.apply(reply);
        });
    }

    private static EtcdError errorOf(String name) {
        try {
            return EtcdError.valueOf(name);
        } catch (IllegalArgumentException e) {
            return EtcdError.INTERNAL;
        }
    }

    private RangeResponse withHeader(RangeResponse r) {
        return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    }

    /**
     * Txn responses nest range/put/delete responses; as in etcd (3.4 and 3.5), only the outer header
     * is filled in, the nested ones carry just the revision.
     */
    private TxnResponse withHeaders(TxnResponse r) {
        ResponseHeader h = header(r.getHeader().getRevision());
        return withInnerHeaders(r, ResponseHeader.newBuilder().setRevision(h.getRevision()).build())
                .toBuilder().setHeader(h).build();
    }

    private static TxnResponse withInnerHeaders(TxnResponse r, ResponseHeader inner) {
        TxnResponse.Builder b = r.toBuilder().setHeader(inner);
        for (var op : b.getResponsesBuilderList()) {
            switch (op.getResponseCase()) {
                case RESPONSE_RANGE -> op.getResponseRangeBuilder().setHeader(inner);
                case RESPONSE_PUT -> op.getResponsePutBuilder().setHeader(inner);
                case RESPONSE_DELETE_RANGE -> op.getResponseDeleteRangeBuilder().setHeader(inner);
                case RESPONSE_TXN -> op.setResponseTxn(withInnerHeaders(op.getResponseTxn(), inner));
                case RESPONSE_NOT_SET -> { }
            }
        }
        return b.build();
    }

    /** etcd counts its bootstrap configuration as term 1, so its first elected term is 2; Ratis starts at 1. */
    public long raftTerm() {
        return raft.term() + 1;
    }

    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(settings.clusterId())
                .setMemberId(settings.memberId())
                .setRevision(revision)
                .setRaftTerm(raftTerm())
                .build();
    }

    public long requestTimeoutMillis() {
        return settings.requestTimeout().toMillis();
    }

    /**
     * etcd's MoveLeader: only the leader hands leadership over, to a voting member; completes once
     * this member sees the target lead, or fails with etcd's timeout after {@code timeoutMs}.
     */
    public CompletableFuture<Void> moveLeader(long target, long timeoutMs) {
        if (raft.leaderId() != settings.memberId()) {
            throw EtcdError.NOT_LEADER.exception();
        }
        if (!raft.votingMemberIds().contains(target)) {
            throw EtcdError.BAD_LEADER_TRANSFEREE.exception();
        }
        if (target == settings.memberId()) {
            return CompletableFuture.completedFuture(null);
        }
        long start = System.nanoTime();
        log.info("leadership transfer starting: local-member-id={} transferee-member-id={}", hex(settings.memberId()),
                hex(target));
        CompletableFuture<Void> done = new CompletableFuture<>();
        raft.transferLeadership(target, timeoutMs).whenComplete((v, error) -> {
            if (error != null) {
                log.warn("leadership transfer to {} failed: {}", hex(target), error.toString());
            }
            awaitLeader(target, start + TimeUnit.MILLISECONDS.toNanos(timeoutMs), done);
        });
        return done.thenRun(() -> log.info("leadership transfer finished: old-leader-member-id={} new-leader-member-id={}"
                + " took={}ms", hex(settings.memberId()), hex(target), (System.nanoTime() - start) / 1_000_000));
    }

    /** As etcd: look once per heartbeat whether the target leads now. */
    private void awaitLeader(long target, long deadline, CompletableFuture<Void> done) {
        if (raft.leaderId() == target) {
            done.complete(null);
        } else if (System.nanoTime() >= deadline) {
            done.completeExceptionally(EtcdError.LEADER_TRANSFER_TIMEOUT.exception());
        } else {
            timers.schedule(() -> awaitLeader(target, deadline, done), settings.heartbeat().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * etcd's Stop: a leader hands leadership to its furthest follower before it goes, so that the
     * cluster does not wait an election timeout for a member that stopped on purpose.
     */
    public void handOverLeadership() {
        if (raft.leaderId() != settings.memberId()) {
            return;
        }
        if (raft.votingMemberIds().size() < 2) {
            log.info("skipped leadership transfer for single voting member cluster");
            return;
        }
        long target = raft.furthestFollower();
        if (target == 0) {
            return;
        }
        try {
            moveLeader(target, settings.requestTimeout().toMillis()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            log.warn("leadership transfer failed: local-member-id={} error={}", hex(settings.memberId()),
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    public StatusResponse status() {
        return StatusResponse.newBuilder()
                .setHeader(header(store.currentRevision()))
                .setVersion(Version.SERVER)
                .setDbSize(store.dbSize())
                .setDbSizeInUse(store.dbSizeInUse())
                .setLeader(raft.leaderId())
                .setRaftIndex(raft.committedIndex())
                .setRaftTerm(raftTerm())
                .setRaftAppliedIndex(raft.appliedIndex())
                .setIsLearner(isLearner())
                // etcd 3.6's additions. No downgrade can be under way: Etch has no Downgrade call yet.
                .setStorageVersion(Version.STORAGE)
                .setDbSizeQuota(settings.quotaBackendBytes())
                .setDowngradeInfo(DowngradeInfo.newBuilder().setEnabled(false))
                .build();
    }

    /** A linearizable no-op read: succeeds only when this member has a leader and can serve. */
    public CompletableFuture<Void> checkHealth() {
        return raft.readBarrier();
    }

    public boolean hasLeader() {
        return raft.leaderId() != 0;
    }

    /** The cluster's members as this member applied them, sorted by id (see {@link ClusterMembership#members}). */
    public List<Member> members() {
        return membership.members();
    }

    /** Whether this member is a learner: it serves serializable reads and Status only, as etcd's learners. */
    public boolean isLearner() {
        return membership.isLearner();
    }

    /**
     * etcd's MemberAdd, MemberRemove, MemberUpdate and MemberPromote: checked and proposed by the
     * leader (a follower forwards the change there), answered with the members once this member
     * applied the change too. The caller checks the caller's rights.
     */
    public CompletableFuture<List<Member>> changeMembership(MemberChange change) {
        if (raft.isLeader()) {
            return membership.changeAsLeader(change).thenApply(v -> members());
        }
        // The leader answers with its commit index once it applied the change: waiting to apply up
        // to it needs no leader (a removed leader may be handing over meanwhile), a read barrier would.
        return askLeader(LeaderQuery.newBuilder().setMemberChange(change).build())
                .thenCompose(answer -> raft.awaitApplied(answer.getCommitIndex()))
                .thenApply(v -> members());
    }

    /** etcd's MemberList; {@code linearizable}: after the read barrier. */
    public CompletableFuture<List<Member>> memberList(boolean linearizable) {
        if (!linearizable) {
            return CompletableFuture.completedFuture(members());
        }
        return afterBarrier(this::members);
    }

    /** What another member asks of the leader: a configuration change, or a lease question. */
    private CompletableFuture<byte[]> answerLeaderQuery(byte[] bytes) {
        LeaderQuery query;
        try {
            query = LeaderQuery.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return CompletableFuture.completedFuture(
                    LeaderAnswer.newBuilder().setError(EtcdError.INTERNAL.name()).build().toByteArray());
        }
        if (query.getQueryCase() == LeaderQuery.QueryCase.HASH_CHECK) {
            return answerHashCheck(query.getHashCheck());
        }
        if (query.getQueryCase() == LeaderQuery.QueryCase.COMMIT_INDEX) {
            return CompletableFuture.completedFuture(raft.isLeader()
                    ? LeaderAnswer.newBuilder().setCommitIndex(raft.committedIndex()).build().toByteArray()
                    : LeaderAnswer.newBuilder().setError(EtcdError.NOT_LEADER.name()).build().toByteArray());
        }
        if (query.getQueryCase() != LeaderQuery.QueryCase.MEMBER_CHANGE) {
            return leaderLeases.answer(bytes);
        }
        if (!raft.isLeader()) {
            return CompletableFuture.completedFuture(
                    LeaderAnswer.newBuilder().setError(EtcdError.NOT_LEADER.name()).build().toByteArray());
        }
        CompletableFuture<Void> done;
        try {
            done = membership.changeAsLeader(query.getMemberChange());
        } catch (EtchException e) {
            done = CompletableFuture.failedFuture(e);
        }
        return done.handle((v, error) -> {
            if (error == null) {
                return LeaderAnswer.newBuilder().setCommitIndex(raft.committedIndex()).build().toByteArray();
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            EtcdError e = cause instanceof EtchException x ? x.error() : EtcdError.INTERNAL;
            return LeaderAnswer.newBuilder().setError(e.name()).build().toByteArray();
        });
    }

    /** A member's side of the corruption check: its HashKV at the leader's revision, once it applied as far. */
    private CompletableFuture<byte[]> answerHashCheck(HashCheck check) {
        return raft.awaitApplied(check.getAppliedIndex())
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenApplyAsync(v -> {
                    MvccStore.KvHash h = store.hashKv(check.getRevision());
                    return LeaderAnswer.newBuilder().setHashKv(HashKVResponse.newBuilder()
                            .setHeader(header(h.currentRevision())).setHash((int) h.hash())
                            .setCompactRevision(h.compactRevision()).setHashRevision(check.getRevision())).build().toByteArray();
                }, readExecutor)
                .exceptionally(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    EtcdError error = cause instanceof EtchException x ? x.error() : EtcdError.TIMEOUT;
                    return LeaderAnswer.newBuilder().setError(error.name()).build().toByteArray();
                });
    }

    /**
     * Starts etcd's periodic corruption check, led by whichever member leads: every {@code every},
     * the leader compares its HashKV with every voter's (see {@link CorruptionCheck}).
     */
    public void startCorruptionCheck(Duration every) {
        CorruptionCheck check = new CorruptionCheck(new CorruptionCheck.Member(settings.memberId(), raft::isLeader,
                () -> members().stream().filter(m -> !m.isLearner()).map(Member::id).toList(), raft::appliedIndex, store,
                (peer, at) -> askHash(peer, at[0], at[1]),
                this::raiseCorrupt));
        long ms = Math.max(1, every.toMillis());
        corruptionChecks.scheduleWithFixedDelay(check::run, ms, ms, TimeUnit.MILLISECONDS);
        log.info("corruption check enabled: every {}", every);
    }

    /**
     * etcd's --experimental-initial-corrupt-check, run once this member has caught up and before it
     * says it serves: its HashKV at its revision against every other voter's at the same revision.
     * Fails with etcd's "found data inconsistency with peers" when a voter with the same compaction
     * has another hash; a voter that is behind or unreachable is only logged, as etcd does.
     */
    public CompletableFuture<Void> initialCorruptionCheck() {
        return CompletableFuture.runAsync(() -> {
            log.info("starting initial corruption check local-member-id={}", hex(settings.memberId()));
            MvccStore.KvHash own = store.hashKv(0);
            int mismatches = 0;
            // All peers at once: one that is not up yet costs one request timeout, not one each.
            Map<Long, CompletableFuture<HashKVResponse>> answers = new java.util.LinkedHashMap<>();
            for (Member m : members()) {
                if (m.id() != settings.memberId() && !m.isLearner()) {
                    answers.put(m.id(), askHash(m.id(), own.currentRevision(), 0));
                }
            }
            for (Map.Entry<Long, CompletableFuture<HashKVResponse>> answer : answers.entrySet()) {
                long peer = answer.getKey();
                try {
                    HashKVResponse theirs = answer.getValue().join();
                    if (theirs.getHash() != (int) own.hash()) {
                        if (theirs.getCompactRevision() == own.compactRevision()) {
                            log.warn("found different hash values from remote peer local-member-id={} remote-peer-id={}"
                                    + " revision={} local-hash={} remote-hash={}", hex(settings.memberId()), hex(peer),
                                    own.currentRevision(), (int) own.hash(), theirs.getHash());
                            mismatches++;
                        } else {
                            log.warn("found different compact revision values from remote peer remote-peer-id={}", hex(peer));
                        }
                    }
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    log.warn("cannot fetch hash from remote peer remote-peer-id={}: {}", hex(peer), cause.toString());
                }
            }
            if (mismatches > 0) {
                throw new IllegalStateException(hex(settings.memberId()) + " found data inconsistency with peers");
            }
            log.info("initial corruption checking passed; no corruption local-member-id={}", hex(settings.memberId()));
        }, corruptionChecks);
    }

    private CompletableFuture<HashKVResponse> askHash(long peer, long revision, long appliedIndex) {
        return raft.askMember(peer, LeaderQuery.newBuilder().setHashCheck(HashCheck.newBuilder()
                .setRevision(revision).setAppliedIndex(appliedIndex)).build().toByteArray()).thenApply(bytes -> {
                    LeaderAnswer a;
                    try {
                        a = LeaderAnswer.parseFrom(bytes);
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new CompletionException(EtcdError.INTERNAL.exception());
                    }
                    if (a.getAnswerCase() != LeaderAnswer.AnswerCase.HASH_KV) {
                        throw new CompletionException(errorOf(a.getError()).exception());
                    }
                    return a.getHashKv();
                });
    }

    private void raiseCorrupt(long member) {
        if (alarms.all().stream().anyMatch(a -> a.getAlarm() == AlarmType.CORRUPT && a.getMemberID() == member)) {
            return;
        }
        AlarmRequest raise = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(member).setAlarm(AlarmType.CORRUPT).build();
        propose(RaftEntry.newBuilder().setAlarm(raise).build(), RaftReply::getAlarm).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("raising the CORRUPT alarm for {} failed (retried at the next check): {}", hex(member), e.toString());
            }
        });
    }

    private void membershipTick() {
        try {
            membership.tick();
        } catch (RuntimeException e) {
            log.warn("membership tick failed: {}", e.toString());
        }
    }

    /** As etcd when it finds itself removed: say so, and stop (see {@link #removed()}). */
    private void removedFromCluster(String reason) {
        log.warn("server error: {}", reason);
        log.warn("data-dir used by this member must be removed");
        removed.complete(reason);
    }

    /** Completes (with etcd's reason) when this member was removed from the cluster and must stop. */
    public CompletableFuture<String> removed() {
        return removed;
    }

    /**
     * etcd's publish at start: this member's name and client URLs go through Raft, so every member
     * (and every client that syncs its endpoints from MemberList) learns them. Retried, as etcd
     * retries, until it succeeds or the member stops.
     */
    public CompletableFuture<Void> publishAttributes() {
        List<String> clientUrls = settings.members().stream().filter(m -> m.id() == settings.memberId())
                .findFirst().map(Member::clientUrls).orElse(List.of());
        MemberAttributes attributes = MemberAttributes.newBuilder().setMemberId(settings.memberId())
                .setName(settings.name()).addAllClientUrls(clientUrls).build();
        // The bootstrap membership goes first, so that every change after it finds the members it
        // changes, also on a member that joins later and replays the log (applied once, see MemberChange).
        CompletableFuture<Void> bootstrapped = new CompletableFuture<>();
        if (memberStore.current().members().isEmpty() && !settings.reconfig().joining()) {
            publishAttempt(membership.bootstrapEntry(), bootstrapped);
        } else {
            bootstrapped.complete(null);
        }
        return bootstrapped.thenCompose(v -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            publishAttempt(RaftEntry.newBuilder().setMemberAttributes(attributes).build(), done);
            return done;
        });
    }

    private void publishAttempt(RaftEntry entry, CompletableFuture<Void> done) {
        propose(entry, reply -> null).whenComplete((v, error) -> {
            if (error == null) {
                done.complete(null);
            } else if (timers.isShutdown()) {
                done.completeExceptionally(error);
            } else {
                log.warn("failed to publish local member to cluster through raft: {}; retrying",
                        error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
                try {
                    timers.schedule(() -> publishAttempt(entry, done), settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    done.completeExceptionally(error);
                }
            }
        });
    }

    public ServerSettings settings() {
        return settings;
    }

    public long currentRevision() {
        return store.currentRevision();
    }

    /** A hash of the stored history up to {@code revision} (0: current), for comparing members. */
    public MvccStore.KvHash hashKv(long revision) {
        return store.hashKv(revision);
    }

    /**
     * etcd's Hash: one hash of everything the member stores (the history as {@link #hashKv} hashes it,
     * then leases, users and roles, members), with the revision it was taken at. As etcd's, meant
     * for tests: writes applied while it runs may or may not be in it.
     */
    public HashResponse hash() {
        MvccStore.KvHash kv = store.hashKv(0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(java.nio.ByteBuffer.allocate(8).putLong(kv.hash()).array());
        for (Backend.Column column : List.of(Backend.Column.LEASE, Backend.Column.AUTH, Backend.Column.MEMBERS)) {
            crc.update(column.cfName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            backend.forEach(column, null, null, (k, v) -> {
                crc.update(k);
                crc.update(v);
                return true;
            });
        }
        return HashResponse.newBuilder().setHeader(header(kv.currentRevision())).setHash((int) crc.getValue()).build();
    }

    /**
     * etcd's Defragment: RocksDB rewrites every column family without the data deleted since
     * (compacted revisions, deleted leases), on a thread of its own, while reads and writes go on
     * (etcd's defragment blocks the member). Calls that come while one runs wait for the next run.
     */
    public synchronized CompletableFuture<Void> defragment() {
        CompletableFuture<Void> next = defragQueue.thenRunAsync(() -> {
            long before = store.dbSize();
            long start = System.nanoTime();
            log.info("starting defragment db-size={}", before);
            backend.defragment();
            log.info("finished defragment db-size-before={} db-size-after={} took={}ms", before, store.dbSize(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }, defragExecutor);
        defragQueue = next.exceptionally(e -> null);
        return next;
    }

    /**
     * etcd's Downgrade. Etch stores its data in its own format, which no etcd release reads, so no
     * version is a valid target: VALIDATE and ENABLE answer etcd's "invalid downgrade target version"
     * for a well-formed version, CANCEL that no downgrade is in flight.
     */
    public CompletableFuture<DowngradeResponse> downgrade(DowngradeRequest request) {
        return switch (request.getAction()) {
            case VALIDATE, ENABLE -> {
                if (!request.getVersion().matches("\\d+\\.\\d+(\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?)?")) {
                    yield CompletableFuture.failedFuture(EtcdError.WRONG_DOWNGRADE_VERSION_FORMAT.exception());
                }
                yield raft.readBarrier().thenApply(v -> {
                    throw EtcdError.INVALID_DOWNGRADE_TARGET_VERSION.exception();
                });
            }
            case CANCEL -> raft.readBarrier().thenApply(v -> {
                throw EtcdError.NO_INFLIGHT_DOWNGRADE.exception();
            });
            default -> CompletableFuture.failedFuture(EtcdError.UNKNOWN_METHOD.exception());
        };
    }

    /** A snapshot in etcd's file format (see {@link #exportSnapshot}); the caller deletes the file. */
    public record ExportedSnapshot(Path file, EtcdSnapshotWriter.Summary summary) {
    }

    /**
     * Writes a consistent copy of the store, in etcd 3.5's snapshot file format, to a new file under
     * {@code <data-dir>/member/export}: a RocksDB checkpoint (hard links, taken while writes go on)
     * is read into the file, one bucket and page after another, then deleted.
     */
    public ExportedSnapshot exportSnapshot() throws IOException {
        Path dir = exportDir();
        Files.createDirectories(dir);
        String name = "snapshot-" + System.nanoTime();
        Path checkpoint = dir.resolve(name + ".checkpoint");
        Path file = dir.resolve(name + ".db");
        long start = System.nanoTime();
        try {
            backend.checkpoint(checkpoint);
            EtcdSnapshotWriter.Summary summary;
            try (Backend copy = Backend.open(checkpoint)) {
                summary = EtcdSnapshotWriter.write(copy, file, Version.CLUSTER);
            }
            log.info("wrote a snapshot in etcd's file format revision={} keys={} size={} took={}ms", summary.revision(),
                    summary.totalKeys(), summary.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return new ExportedSnapshot(file, summary);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        } finally {
            Backend.deleteTree(checkpoint);
        }
    }

    private Path exportDir() {
        return settings.storeDir().resolveSibling("export");
    }

    /** The first entry this member's Raft log still holds. */
    public long raftLogStartIndex() {
        return raft.logStartIndex();
    }

    /** Every watcher of this member, fed by apply. */
    public WatchHub watchHub() {
        return watchHub;
    }

    public static String hex(long id) {
        return Long.toHexString(id);
    }

    @Override
    public void close() throws IOException {
        timers.shutdownNow();
        corruptionChecks.shutdownNow();
        defragExecutor.shutdownNow(); // a run under way ends before the backend closes (it holds the database)
        membership.close();
        try {
            raft.close();
            watchHub.close();
        } finally {
            try {
                backend.flush();
            } finally {
                store.close();
                backend.close();
            }
        }
    }
}
