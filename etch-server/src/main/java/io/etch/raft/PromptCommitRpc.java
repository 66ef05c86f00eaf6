package io.etch.raft;

import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.client.GrpcClientRpc;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.grpc.server.GrpcServicesImpl;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        private static final Logger LOG = LoggerFactory.getLogger(PromptCommitRpc.class);
        private static final int MAX_ENTRIES = 64;
        private static final long MAX_BYTES = 1 << 20;
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
            if (!heartbeat) {
                AppendEntriesRequestProto across = acrossPurgedPrevious(callId);
                if (across != null) {
                    return across;
                }
            }
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

        /**
         * Entries for a follower whose log ends just before the leader's first remaining entry.
         * Ratis names the entry before them by its term (Raft's log matching check), which went
         * with the purged segment unless it is the snapshot's; it then throws, and the appender
         * stops for good: the follower never catches up. That is the usual case after a leader is
         * killed, as its log ends where the new leader's term, and its first segment, begins. The
         * state machine keeps the term of every applied entry, and the request is built with it.
         * Null when Ratis can build the request itself.
         */
        private AppendEntriesRequestProto acrossPurgedPrevious(long callId) throws RaftLogIOException {
            FollowerInfo follower = getFollower();
            RaftLog log = getRaftLog();
            long next = follower.getNextIndex();
            long end = log.getNextIndex();
            if (next <= RaftLog.LEAST_VALID_LOG_INDEX || next != log.getStartIndex() || next >= end
                    || follower.getSnapshotIndex() + 1 == next || log.getTermIndex(next - 1) != null) {
                return null;
            }
            SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
            if (snapshot != null && snapshot.getIndex() == next - 1) {
                return null;
            }
            long term = getServer().getStateMachine() instanceof EtchStateMachine sm ? sm.appliedTermAt(next - 1) : -1;
            if (term < 0) {
                // Not recorded (a store older than the record): the follower is offered a snapshot.
                LOG.warn("{}: the term of entry {} before the log's start is unknown; offering {} a snapshot",
                        getServer().getMemberId(), next - 1, getFollowerId());
                follower.setNextIndex(next - 1);
                return super.newAppendEntriesRequest(callId, true);
            }
            List<LogEntryProto> entries = new ArrayList<>();
            long bytes = 0;
            try {
                for (long i = next; i < end && entries.size() < MAX_ENTRIES && bytes < MAX_BYTES; i++) {
                    LogEntryProto entry = log.get(i);
                    entries.add(entry);
                    bytes += entry.getSerializedSize();
                }
            } catch (RaftLogIOException purgedMeanwhile) {
                // The next round finds the new start.
                return super.newAppendEntriesRequest(callId, true);
            }
            return getLeaderState().newAppendEntriesRequestProto(follower, entries,
                    TermIndex.valueOf(term, next - 1), callId);
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
