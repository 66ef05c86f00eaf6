package io.etch.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.client.GrpcClientRpc;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.grpc.server.GrpcServicesImpl;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * Ratis' gRPC transport, with two changes to the leader's log appenders, so that Raft timing means
 * what etcd's flags say.
 *
 * <p>Heartbeats every {@code --heartbeat-interval}: Ratis derives the heartbeat from the election
 * timeout (half its minimum, 500 ms for etcd's defaults) and has no setting of its own for it.
 * The interval is read from the server's properties ({@link #HEARTBEAT_KEY}).
 *
 * <p>A follower learns a new commit index at once.
 * <p>Ratis' log appender wakes up when the leader's commit index moves, but sends nothing unless
 * it has new entries for the follower; the commit index then travels only with the next heartbeat
 * (half the minimum election timeout, 500 ms for etcd's defaults). Followers applied writes half a
 * second after the leader acknowledged them. etcd's followers learn it with the next append or
 * heartbeat (100 ms at most, usually at once). Here the appender sends an empty append carrying
 * the new commit index as soon as it has one that the follower lacks, once per commit index.
 *
 * <p>With peer TLS ({@link PeerTls} in the parameters) the servers and clients of the transport
 * use the member's TLS contexts.
 *
 * <p>Ratis reads the transport from its properties by class name, hence the public no-argument
 * constructor.
 */
public final class PromptCommitRpc implements RpcType {

    /** Server property: etcd's --heartbeat-interval in milliseconds. */
    public static final String HEARTBEAT_KEY = "etch.raft.heartbeat.ms";

    @Override
    public String name() {
        return PromptCommitRpc.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    private static final class Factory extends GrpcFactory {
        private final PeerTls tls;
        private final GrpcServices.Customizer customizer;

        Factory(Parameters parameters) {
            super(parameters);
            this.tls = PeerTls.from(parameters);
            this.customizer = GrpcConfigKeys.Server.servicesCustomizer(parameters);
        }

        /** With peer TLS, Ratis' server built on {@link PeerTls}' contexts (Ratis' own TLS settings cannot restrict versions). */
        @Override
        public GrpcServices newRaftServerRpc(RaftServer server) {
            if (tls == null) {
                return super.newRaftServerRpc(server);
            }
            return GrpcServicesImpl.newBuilder()
                    .setServer(server)
                    .setCustomizer(customizer)
                    .setAdminSslContext(tls.forServer)
                    .setClientSslContext(tls.forServer)
                    .setServerSslContextForServer(tls.forServer)
                    .setServerSslContextForClient(tls.forClient)
                    .build();
        }

        @Override
        public GrpcClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
            if (tls == null) {
                return super.newRaftClientRpc(clientId, properties);
            }
            return new GrpcClientRpc(clientId, properties, tls.forClient, tls.forClient);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
            return new Appender(server, state, f);
        }
    }

    private static final class Appender extends GrpcLogAppender {
        /** The highest commit index already sent in an otherwise empty append. */
        private long commitSent;
        private final long heartbeatMillis;

        Appender(RaftServer.Division server, LeaderState leaderState, FollowerInfo f) {
            super(server, leaderState, f);
            int ratisHeartbeat = server.properties().minRpcTimeoutMs() / 2;
            this.heartbeatMillis = Math.min(ratisHeartbeat,
                    server.getRaftServer().getProperties().getInt(HEARTBEAT_KEY, ratisHeartbeat));
        }

        /** Ratis' wait (zero when a heartbeat is due or was asked for), capped by etcd's interval. */
        @Override
        public long getHeartbeatWaitTimeMs() {
            long ratis = super.getHeartbeatWaitTimeMs();
            if (ratis <= 0) {
                return ratis;
            }
            long sinceReply = getFollower().getLastRpcResponseTime().elapsedTimeMs();
            long sinceHeartbeat = getFollower().getLastHeartbeatSendTime().elapsedTimeMs();
            return Math.min(ratis, Math.max(heartbeatMillis - sinceReply, heartbeatMillis / 2 - sinceHeartbeat));
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
                throws RaftLogIOException {
            return counted(newRequest(callId, heartbeat));
        }

        private AppendEntriesRequestProto newRequest(long callId, boolean heartbeat) throws RaftLogIOException {
            AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
            if (request != null || heartbeat) {
                return request;
            }
            long committed = getRaftLog().getLastCommittedIndex();
            if (committed <= getFollower().getCommitIndex() || committed <= commitSent) {
                return null;
            }
            commitSent = committed;
            return super.newAppendEntriesRequest(callId, true);
        }

        /** Appends are nearly all a member sends its peers: counted as etcd's peer sent bytes, by follower. */
        private AppendEntriesRequestProto counted(AppendEntriesRequestProto request) {
            if (request != null) {
                RatisMetricsBridge.peerSent(getServer().getId(), getFollowerId(), request.getSerializedSize());
            }
            return request;
        }
    }
}
