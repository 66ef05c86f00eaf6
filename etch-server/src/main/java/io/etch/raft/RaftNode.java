package io.etch.raft;

import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.apply.EntryApplier;
import io.etch.storage.Backend;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.errors.FatalHandler;
import io.etch.metrics.EtchMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import io.etch.tls.TlsConfig;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.SetConfigurationRequest;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This member's place in the Raft group: proposes entries, serves the linearizable read barrier,
 * and tells who leads. Everything Ratis-specific stays behind this class.
 *
 * <p>The write path: {@link ProposalQueue} coalesces concurrent writes into one entry,
 * {@link WriteSender} sends it to the leader under one identity until it is answered, and the
 * reply is handed back once this member has applied the entry itself ({@link AppliedIndex}).
 * Linearizable reads share ReadIndex rounds ({@link ReadIndexRounds}).
 */
public final class RaftNode implements AutoCloseable {

    /** Proposals in flight at once from one member; more writes wait and share the next entry. */
    static final int MAX_PROPOSALS_IN_FLIGHT = 1;

    private final RaftSettings settings;
    private final RaftPeerId selfPeer;
    private final RaftGroup group;
    private final RaftServer server;
    private final RaftClient forwarder;
    private final RaftClient writeClient;
    private final ClientId localClient = ClientId.randomId();
    private volatile boolean closed;
    private final AtomicLong callIds = new AtomicLong();
    private final ScheduledExecutorService timer;
    private final ExecutorService completions;
    private final AppliedIndex applied;
    private final WriteSender writes;
    private final ProposalQueue proposals;
    private final ReadIndexRounds reads;
    private final EtchMetrics metrics;
    private final PeerTls peerTls;

    private final Supplier<byte[]> membershipForPeers;
    private final EtchStateMachine stateMachine;
    private final SnapshotFetcher snapshotFetcher;
    /** Sends checkpoints to members that fell behind the purged log, one at a time. */
    private final ExecutorService snapshotSender = Executors.newSingleThreadExecutor(daemon("etch-snapshot-send"));

    public RaftNode(RaftSettings settings, InetSocketAddress bindAddress, EntryApplier applier) throws IOException {
        this(settings, bindAddress, applier, LeaderQueries.NONE, EtchMetrics.unscraped(), FatalHandler.HALT, () -> new byte[0]);
    }

    /**
     * {@code membershipForPeers} answers members that join ({@link #fetchMembership}): this
     * member's view of the membership, serialized.
     */
    public RaftNode(RaftSettings settings, InetSocketAddress bindAddress, EntryApplier applier,
                    LeaderQueries queries, EtchMetrics metrics, FatalHandler fatal,
                    Supplier<byte[]> membershipForPeers) throws IOException {
        this.membershipForPeers = membershipForPeers;
        this.settings = settings;
        this.metrics = metrics;
        this.selfPeer = RaftMember.peerId(settings.selfId());
        this.group = RaftGroup.valueOf(
                RaftGroupId.valueOf(new UUID(settings.clusterId(), settings.clusterId())),
                settings.members().stream().map(RaftMember::toPeer).toList());
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("etch-raft-retry"));
        // Replies and everything that follows them leave Ratis' threads here: apply never runs a
        // client's continuation, and no Ratis thread ever calls back into Ratis.
        this.completions = Executors.newFixedThreadPool(2, daemon("etch-raft-replies"));
        this.applied = new AppliedIndex(applier.appliedIndex(), completions);
        this.peerTls = settings.peerTls() == null ? null : PeerTls.of(settings.peerTls());
        RaftProperties props = serverProperties(settings, bindAddress);
        // Only transfers in progress live there; a crash leaves halves of them behind.
        Backend.deleteTree(settings.snapshotDir());
        this.snapshotFetcher = new SnapshotFetcher(settings.selfId(), settings.snapshotDir(), peerTls, metrics);
        this.stateMachine = new EtchStateMachine(applier, withBarriers(queries), applied::advance, metrics, fatal,
                snapshotFetcher);
        // A member that joins starts outside the configuration ("initializing" in Ratis): the
        // leader adds it once it has caught up. Its clients still need members to talk to.
        RaftGroup own = settings.joining() ? RaftGroup.valueOf(group.getGroupId()) : group;
        this.server = RaftServer.newBuilder()
                .setServerId(selfPeer)
                .setGroup(own)
                .setStateMachine(stateMachine)
                .setProperties(props)
                .setParameters(peerParameters(settings, applier))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.forwarder = newClient(settings);
        // Its own client, so its transport carries only requests with this member's write identity.
        this.writeClient = newClient(settings);
        long election = settings.election().toMillis();
        this.writes = new WriteSender(server, group.getGroupId(), selfPeer, writeClient.getClientRpc(),
                id -> division().getRaftConf().getPeer(id), this::knownLeader, timer, completions, Math.max(election, 200), Math.max(10, settings.heartbeat().toMillis() / 2));
        this.proposals = new ProposalQueue(this::proposeEntry, MAX_PROPOSALS_IN_FLIGHT);
        this.reads = new ReadIndexRounds(this::readIndexRound);
        RatisMetricsBridge.register(settings.selfId(), metrics);
    }

    /** Ratis' gRPC server for this member, with the peer port's inbound bytes counted, and peer TLS. */
    private Parameters peerParameters(RaftSettings s, EntryApplier applier) {
        Parameters p = new Parameters();
        boolean checkAddresses = s.peerTls() != null && s.peerTls().checksClientAddresses();
        GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> {
            builder.addStreamTracerFactory(RatisMetricsBridge.peerTraffic(s.selfId()));
            builder.addService(PeerMembershipService.definition(() -> membershipForPeers.get()));
            builder.addService(PeerSnapshotService.definition(applier, s.snapshotDir(), snapshotSender,
                    metrics.snapshotsSent::increment, metrics.snapshotSendFailures::increment));
            return checkAddresses ? builder.intercept(new PeerAddressCheck()) : builder;
        });
        if (peerTls != null) {
            peerTls.putInto(p);
        }
        return p;
    }

    /** Parameters of this member's Raft clients: peer TLS, when peers talk TLS. */
    private Parameters clientParameters() {
        Parameters p = new Parameters();
        if (peerTls != null) {
            peerTls.putInto(p);
        }
        return p;
    }

    private RaftClient newClient(RaftSettings s) {
        return RaftClient.newBuilder()
                .setProperties(clientProperties(s))
                .setParameters(clientParameters())
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, s.requestTimeout().toMillis() / 100),
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    static RaftProperties serverProperties(RaftSettings s, InetSocketAddress bind) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, new PromptCommitRpc());
        p.setInt(PromptCommitRpc.HEARTBEAT_KEY, (int) Math.max(1, s.heartbeat().toMillis()));
        GrpcConfigKeys.Server.setHost(p, bind.getHostString());
        GrpcConfigKeys.Server.setPort(p, bind.getPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(s.logDir().toFile()));
        long election = s.election().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        // A fresh or restarted member should not sit out a whole election timeout before campaigning.
        long first = Math.max(50, s.heartbeat().toMillis());
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(3 * first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, election * 3), TimeUnit.MILLISECONDS));
        // Ratis' default read is served from the leader's state without a barrier; etcd's default is linearizable.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(s.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        // The store is the snapshot (see EtchStateMachine). Every --snapshot-count entries it is
        // flushed, and the log is purged up to it but for the last --snapshot-catchup-entries (in
        // whole segments), whether or not every follower has them: as etcd, a member that needs
        // purged entries gets the leader's store instead, through Etch's transfer (Ratis only
        // notifies it), since a RocksDB checkpoint is a directory Ratis' file transfer cannot send.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, Math.max(1, s.snapshotCount()));
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, s.snapshotCatchupEntries());
        // Ratis' default skips a purge less than 1024 entries past the last one; each snapshot
        // should drop what it can (whole closed segments), as etcd compacts at each snapshot.
        RaftServerConfigKeys.Log.setPurgeGap(p, 1);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        // Ratis keeps recent log segments in heap for sending to followers; by default up to six
        // segments or 200 MB, most of it entries every member applied long ago. Two small segments
        // cover what a follower that is briefly behind needs; older entries are read from disk.
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("24MB"));
        // One AppendEntries carries up to the appender's byte limit and must hold the largest
        // entry (a batch of writes, ProposalQueue.MAX_BYTES, or one request of up to
        // --max-request-bytes); the log's write buffer (a direct buffer) must be larger still.
        long appendBytes = Math.max(4L << 20, 2 * s.maxEntryBytes());
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(appendBytes));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(appendBytes + (64 << 10)));
        // Ratis otherwise appends an extra entry recording the commit index after commits (about one
        // per four writes under load): more log writes and a raft index that runs ahead of etcd's.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        // A re-sent write is recognised by the retry cache for this long; WriteSender re-sends for at
        // most a request timeout, so the cache outlives every re-send by a wide margin.
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(
                Math.max(30_000, 4 * s.requestTimeout().toMillis()), TimeUnit.MILLISECONDS));
        // etcd's --pre-vote (on by default since 3.5): a member that was cut off cannot depose a
        // healthy leader when it comes back.
        RaftServerConfigKeys.LeaderElection.setPreVote(p, s.preVote());
        if (s.unsafeNoFsync()) {
            // etcd's --unsafe-no-fsync: appends count as written before the disk has them.
            RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, true);
        }
        return p;
    }

    private static RaftProperties clientProperties(RaftSettings s) {
        RaftProperties p = new RaftProperties();
        // The transport of the servers, so that the clients' connections to peers use peer TLS too.
        RaftConfigKeys.Rpc.setType(p, new PromptCommitRpc());
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(s.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        return p;
    }

    public void start() throws IOException {
        server.start();
    }

    /**
     * Replicates the entry (batched with other writes taken meanwhile), waits until this member
     * applied it, and returns its reply.
     */
    public CompletableFuture<RaftReply> propose(RaftEntry entry) {
        metrics.proposalsPending.inc();
        return proposals.propose(entry).whenComplete((reply, error) -> {
            metrics.proposalsPending.dec();
            if (error != null) {
                metrics.proposalsFailed.inc();
            }
        });
    }

    private CompletableFuture<RaftReply> proposeEntry(RaftEntry entry) {
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry.toByteArray()));
        return writes.send(message, settings.requestTimeout().toMillis())
                .thenCompose(reply -> applied.await(reply.getLogIndex()).thenApply(v -> reply))
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    try {
                        return RaftReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new CompletionException(EtcdError.INTERNAL.exception());
                    }
                });
    }

    /** The leader as this member knows it, or null. */
    private RaftPeerId knownLeader() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getLeaderId();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Sends a query to the leader's {@link LeaderQueries} (through Ratis' client, which finds the
     * leader and retries on a leader change) and returns its answer.
     */
    public CompletableFuture<byte[]> askLeader(byte[] query) {
        return answer(forwarder.async().sendReadOnlyNonLinearizable(Message.valueOf(UnsafeByteOperations.unsafeWrap(query))));
    }

    /** A read-only reply's content, or its failure in etcd's terms; waits at most the request timeout. */
    private CompletableFuture<byte[]> answer(CompletableFuture<org.apache.ratis.protocol.RaftClientReply> sent) {
        return sent.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    return reply.getMessage().getContent().toByteArray();
                }, completions);
    }

    /**
     * Sends a query to one member's {@link LeaderQueries} (a query any member answers, such as the
     * corruption check's hash) as a Ratis stale read, and returns its answer.
     */
    public CompletableFuture<byte[]> askMember(long memberId, byte[] query) {
        return answer(forwarder.async().sendStaleRead(Message.valueOf(UnsafeByteOperations.unsafeWrap(query)), 0,
                RaftMember.peerId(memberId)));
    }

    /**
     * Completes once this member has applied everything committed before the call (Raft ReadIndex),
     * so a read that follows sees every write acknowledged before it started.
     */
    public CompletableFuture<Void> readBarrier() {
        return reads.barrier();
    }

    /** Completes once this member has applied the entry at {@code index}. */
    public CompletableFuture<Void> awaitApplied(long index) {
        return applied.await(index).thenApply(v -> null);
    }

    /**
     * One linearizable read round. With several members it is a {@link ReadBarrier} entry through the
     * log, not Ratis' ReadIndex: Ratis answers a ReadIndex at once, without asking the followers,
     * when its commit index has not moved since a round it confirmed earlier. A leader paused past
     * its term (SIGSTOP, a long GC) still has that frozen commit index when it resumes, and served
     * reads from before writes the next leader had acknowledged (found by ClusterFaultHistoryIT's
     * real-time check). An entry that commits after the read began is proof no write acknowledged
     * before it is missing; it shares the batch of writes in flight, so under write load it costs
     * little. A single member is its own majority, and Ratis' ReadIndex is right there.
     */
    private CompletableFuture<Void> readIndexRound() {
        if (group.getPeers().size() > 1) {
            return barrier(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeout().toMillis()));
        }
        return ratisReadIndex();
    }

    /** The server's leader queries, plus the read barrier a follower asks the leader for. */
    private LeaderQueries withBarriers(LeaderQueries queries) {
        return query -> {
            io.etch.api.raftpb.LeaderQuery q;
            try {
                q = io.etch.api.raftpb.LeaderQuery.parseFrom(query);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                return queries.answer(query);
            }
            if (!q.hasReadBarrier()) {
                return queries.answer(query);
            }
            return leaderBarrier().handle((index, error) -> (error == null
                    ? io.etch.api.raftpb.LeaderAnswer.newBuilder().setBarrierIndex(index)
                    : io.etch.api.raftpb.LeaderAnswer.newBuilder().setError(translate(error).error().name()))
                    .build().toByteArray());
        };
    }

    /** On the leader: commits a barrier entry through this member's own Raft server; its log index once applied here. */
    private CompletableFuture<Long> leaderBarrier() {
        return submitLocal(Message.valueOf(UnsafeByteOperations.unsafeWrap(READ_BARRIER.toByteArray())),
                RaftClientRequest.writeRequestType())
                .thenApply(reply -> {
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    return reply.getLogIndex();
                });
    }

    /**
     * One barrier: on the leader its own entry; on a follower the leader's, then this member's apply
     * up to it. Neither goes through the write path's per-member streams.
     */
    private CompletableFuture<Void> barrierOnce() {
        if (division().getInfo().isLeader()) {
            return leaderBarrier().thenApply(index -> null);
        }
        byte[] ask = io.etch.api.raftpb.LeaderQuery.newBuilder()
                .setReadBarrier(io.etch.api.raftpb.ReadBarrier.getDefaultInstance()).build().toByteArray();
        return askLeader(ask).thenCompose(answer -> {
            io.etch.api.raftpb.LeaderAnswer a;
            try {
                a = io.etch.api.raftpb.LeaderAnswer.parseFrom(answer);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new CompletionException(EtcdError.INTERNAL.exception());
            }
            if (a.getAnswerCase() != io.etch.api.raftpb.LeaderAnswer.AnswerCase.BARRIER_INDEX) {
                throw new CompletionException(EtcdError.TIMEOUT.exception());
            }
            return applied.await(a.getBarrierIndex());
        });
    }

    /**
     * Proposes a barrier and, if it is not applied within a few election timeouts (its attempt may
     * have gone to a member that went away), another one: a barrier applied twice does no harm.
     */
    private CompletableFuture<Void> barrier(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        long attempt = Math.max(1, Math.min(left, Math.max(1000, 3 * settings.election().toMillis())));
        CompletableFuture<Void> once;
        try {
            once = barrierOnce();
        } catch (RuntimeException e) {
            once = CompletableFuture.failedFuture(e);
        }
        return once
                .orTimeout(attempt, TimeUnit.MILLISECONDS)
                .handle((v, error) -> {
                    if (error == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (System.nanoTime() >= deadline || closed) {
                        return CompletableFuture.<Void>failedFuture(translate(error));
                    }
                    return barrier(deadline);
                })
                .thenCompose(f -> f);
    }

    /**
     * Completes once this member has applied what the leader had committed when asked (Ratis'
     * ReadIndex): enough to know a member has caught up, not a linearizable read (see above).
     */
    public CompletableFuture<Void> caughtUp() {
        return ratisReadIndex();
    }

    private CompletableFuture<Void> ratisReadIndex() {
        return submitLocal(Message.EMPTY, RaftClientRequest.readRequestType())
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // Off Ratis' threads: the next round starts from here (see WriteSender).
                .handleAsync((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    return null;
                }, completions);
    }

    private static final RaftEntry READ_BARRIER =
            RaftEntry.newBuilder().setReadBarrier(io.etch.api.raftpb.ReadBarrier.getDefaultInstance()).build();

    private CompletableFuture<RaftClientReply> submitLocal(Message message, RaftClientRequest.Type type) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClient)
                .setServerId(selfPeer)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(message)
                .setType(type)
                .setTimeoutMs(settings.requestTimeout().toMillis())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private EtchException translate(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof EtchException e) {
            return e;
        }
        if (cause instanceof org.apache.ratis.protocol.exceptions.StateMachineException) {
            return EtcdError.INTERNAL.exception();
        }
        if (cause instanceof TimeoutException) {
            return leaderId() == 0 ? EtcdError.NO_LEADER.exception() : EtcdError.TIMEOUT.exception();
        }
        if (cause instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
                || cause instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException) {
            return EtcdError.STOPPED.exception();
        }
        if (leaderId() == 0) {
            return EtcdError.NO_LEADER.exception();
        }
        return EtcdError.TIMEOUT.exception();
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(group.getGroupId());
        } catch (IOException e) {
            throw EtcdError.STOPPED.exception();
        }
    }

    /** The member ids of the voting members in the Raft configuration in force. */
    public List<Long> votingMemberIds() {
        return division().getRaftConf().getCurrentPeers().stream().map(p -> RaftMember.memberId(p.getId())).toList();
    }

    /**
     * The Raft configuration in force: voters and listeners (etcd's learners) with their peer
     * addresses; {@code stable} is false while a change is being committed.
     */
    public record PeerConfiguration(Map<Long, String> voters, Map<Long, String> listeners, boolean stable) {
    }

    public PeerConfiguration configuration() {
        var conf = division().getRaftConf();
        Map<Long, String> voters = new HashMap<>();
        conf.getCurrentPeers(RaftPeerRole.FOLLOWER).forEach(p -> voters.put(RaftMember.memberId(p.getId()), p.getAddress()));
        Map<Long, String> listeners = new HashMap<>();
        conf.getCurrentPeers(RaftPeerRole.LISTENER).forEach(p -> listeners.put(RaftMember.memberId(p.getId()), p.getAddress()));
        return new PeerConfiguration(voters, listeners, conf.getPreviousPeers().isEmpty());
    }

    /**
     * Asks Ratis (on the leader) to change the configuration to these voters and listeners. Ratis
     * first brings members that are new to the configuration up to date and fails the change when
     * one of them makes no progress (it is not running yet, say); the caller tries again later.
     */
    public CompletableFuture<Void> setConfiguration(List<RaftMember> voters, List<RaftMember> listeners) {
        var request = new SetConfigurationRequest(localClient, selfPeer, group.getGroupId(), callIds.incrementAndGet(),
                voters.stream().map(RaftMember::toPeer).toList(), listeners.stream().map(RaftMember::toPeer).toList());
        try {
            return server.setConfigurationAsync(request).thenAccept(reply -> {
                if (!reply.isSuccess()) {
                    throw new CompletionException(reply.getException() != null ? reply.getException()
                            : new IllegalStateException("configuration change refused"));
                }
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * On the leader: how long ago each member it replicates to (voters, listeners, members being
     * brought in) last answered, in milliseconds. Empty on other members.
     */
    public Map<Long, Long> lastContactMillis() {
        RoleInfoProto role = division().getInfo().getRoleInfoProto();
        Map<Long, Long> out = new HashMap<>();
        if (role.hasLeaderInfo()) {
            for (var f : role.getLeaderInfo().getFollowerInfoList()) {
                out.put(RaftMember.memberId(RaftPeerId.valueOf(f.getId().getId())), f.getLastRpcElapsedTimeMs());
            }
        }
        return out;
    }

    /** On the leader: the commit index a member last reported (-1 if it is not replicated to). */
    public long commitIndexOf(long memberId) {
        RaftPeerId peer = RaftMember.peerId(memberId);
        for (var info : division().getCommitInfos()) {
            if (RaftPeerId.valueOf(info.getServer().getId()).equals(peer)) {
                return info.getCommitIndex();
            }
        }
        return -1;
    }

    /** Whether this member's Raft server is a listener (etcd's learner) in the configuration in force. */
    public boolean isListener() {
        return division().getInfo().isListener();
    }

    /**
     * etcd's join: asks the members at these peer addresses (host:port) for the membership, and
     * returns the first answer ({@code etchraftpb.ClusterMembers}), or throws if none answered.
     */
    public static byte[] fetchMembership(List<String> addresses, TlsConfig peerTls, long timeoutMs) {
        PeerTls tls = peerTls == null ? null : PeerTls.of(peerTls);
        RuntimeException last = new IllegalStateException("no peer to ask");
        for (String address : addresses) {
            try {
                return PeerMembershipService.fetch(address, tls, timeoutMs);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * The follower whose log reaches furthest as the leader last heard (etcd hands over to the
     * longest-connected peer; with Ratis the furthest log takes over soonest), 0 if none is known.
     */
    public long furthestFollower() {
        long best = 0;
        long bestIndex = -1;
        for (var info : division().getCommitInfos()) {
            long id = RaftMember.memberId(RaftPeerId.valueOf(info.getServer().getId()));
            if (id != settings.selfId() && info.getCommitIndex() > bestIndex) {
                best = id;
                bestIndex = info.getCommitIndex();
            }
        }
        return best;
    }

    /**
     * Asks Ratis to hand leadership to the member: the leader stops taking writes, brings the
     * target's log up to date and tells it to campaign at once. Completes when Ratis reports the
     * transfer done, or exceptionally when it failed or took longer than the timeout.
     */
    public CompletableFuture<Void> transferLeadership(long targetId, long timeoutMs) {
        var request = new org.apache.ratis.protocol.TransferLeadershipRequest(localClient, selfPeer, group.getGroupId(),
                callIds.incrementAndGet(), RaftMember.peerId(targetId), timeoutMs);
        try {
            return server.transferLeadershipAsync(request).thenAccept(reply -> {
                if (!reply.isSuccess()) {
                    throw new CompletionException(reply.getException() != null ? reply.getException()
                            : new IllegalStateException("leadership transfer refused"));
                }
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public boolean isLeader() {
        var info = division().getInfo();
        return info.isLeader() && info.isLeaderReady();
    }

    /** The leader's member id as this member knows it, 0 when there is none. */
    public long leaderId() {
        RaftPeerId leader = division().getInfo().getLeaderId();
        return leader == null ? 0 : RaftMember.memberId(leader);
    }

    public long term() {
        return division().getInfo().getCurrentTerm();
    }

    public long committedIndex() {
        return division().getRaftLog().getLastCommittedIndex();
    }

    public long appliedIndex() {
        return division().getInfo().getLastAppliedIndex();
    }

    /** The first entry the Raft log still holds: entries before it were purged after a snapshot. */
    public long logStartIndex() {
        return division().getRaftLog().getStartIndex();
    }

    public long selfId() {
        return settings.selfId();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        RatisMetricsBridge.unregister(settings.selfId(), metrics);
        try {
            forwarder.close();
            writeClient.close();
        } finally {
            try {
                snapshotFetcher.close();
                snapshotSender.shutdownNow();
                server.close();
            } finally {
                timer.shutdownNow();
                completions.shutdown();
            }
        }
    }
}
