package io.etch.raft;

import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.apply.EntryApplier;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
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
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This member's place in the Raft group: proposes entries, serves the linearizable read barrier,
 * and tells who leads. Everything Ratis-specific stays behind this class.
 */
public final class RaftNode implements AutoCloseable {

    private final RaftSettings settings;
    private final RaftPeerId selfPeer;
    private final RaftGroup group;
    private final RaftServer server;
    private final RaftClient forwarder;
    private final ClientId localClient = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    public RaftNode(RaftSettings settings, InetSocketAddress bindAddress, EntryApplier applier) throws IOException {
        this(settings, bindAddress, applier, LeaderQueries.NONE);
    }

    public RaftNode(RaftSettings settings, InetSocketAddress bindAddress, EntryApplier applier,
                    LeaderQueries queries) throws IOException {
        this.settings = settings;
        this.selfPeer = RaftMember.peerId(settings.selfId());
        this.group = RaftGroup.valueOf(
                RaftGroupId.valueOf(new UUID(settings.clusterId(), settings.clusterId())),
                settings.members().stream().map(RaftMember::toPeer).toList());
        RaftProperties props = serverProperties(settings, bindAddress);
        this.server = RaftServer.newBuilder()
                .setServerId(selfPeer)
                .setGroup(group)
                .setStateMachine(new EtchStateMachine(applier, queries))
                .setProperties(props)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.forwarder = RaftClient.newBuilder()
                .setProperties(clientProperties(settings))
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, settings.requestTimeout().toMillis() / 100),
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    private static RaftProperties serverProperties(RaftSettings s, InetSocketAddress bind) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
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
        // The store is the snapshot (see EtchStateMachine); the log is kept whole until snapshot
        // transfer to lagging members exists, so Ratis must not truncate it.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
        // Ratis otherwise appends an extra entry recording the commit index after commits (about one
        // per four writes under load): more log writes and a raft index that runs ahead of etcd's.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        return p;
    }

    private static RaftProperties clientProperties(RaftSettings s) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(s.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        return p;
    }

    public void start() throws IOException {
        server.start();
    }

    /** Replicates the entry, waits for it to be applied here or on the leader, and returns its reply. */
    public CompletableFuture<RaftReply> propose(RaftEntry entry) {
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry.toByteArray()));
        CompletableFuture<RaftClientReply> sent = isLeader()
                ? submitLocal(message, RaftClientRequest.writeRequestType())
                        .thenCompose(r -> r.getNotLeaderException() != null || r.getLeaderNotReadyException() != null
                                ? forwarder.async().send(message)
                                : CompletableFuture.completedFuture(r))
                : forwarder.async().send(message);
        return sent.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    try {
                        return RaftReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new CompletionException(EtcdError.INTERNAL.exception());
                    }
                });
    }

    /**
     * Sends a query to the leader's {@link LeaderQueries} (through Ratis' client, which finds the
     * leader and retries on a leader change) and returns its answer.
     */
    public CompletableFuture<byte[]> askLeader(byte[] query) {
        return forwarder.async().sendReadOnlyNonLinearizable(Message.valueOf(UnsafeByteOperations.unsafeWrap(query)))
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    return reply.getMessage().getContent().toByteArray();
                });
    }

    /**
     * Completes once this member has applied everything committed before the call (Raft ReadIndex),
     * so a read that follows sees every write acknowledged before it started.
     */
    public CompletableFuture<Void> readBarrier() {
        return submitLocal(Message.EMPTY, RaftClientRequest.readRequestType())
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new CompletionException(translate(error));
                    }
                    if (!reply.isSuccess()) {
                        throw new CompletionException(translate(reply.getException()));
                    }
                    return null;
                });
    }

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

    public long selfId() {
        return settings.selfId();
    }

    @Override
    public void close() throws IOException {
        try {
            forwarder.close();
        } finally {
            server.close();
        }
    }
}
