package io.etch.server;

import io.etch.api.etcdserverpb.LeaseCheckpoint;
import io.etch.api.etcdserverpb.LeaseCheckpointRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.api.raftpb.LeaderAnswer;
import io.etch.api.raftpb.LeaderQuery;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.lease.Lessor;
import io.etch.raft.RaftNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's lease duties: promoting the lessor when this member starts leading (and demoting it
 * when it stops), proposing revokes for expired leases and checkpoints of remaining TTLs, and
 * answering renewals and TimeToLive from the leader's clock, also for other members.
 */
final class LeaderLeases {
    private static final Logger log = LoggerFactory.getLogger(LeaderLeases.class);
    /** etcd revokes at most 1000 expired leases a second; this runs ten times a second. */
    static final long TICK_MILLIS = 100;
    private static final int REVOKES_PER_TICK = 100;
    private static final int CHECKPOINTS_PER_TICK = 1000;

    private final Lessor lessor;
    private final RaftNode raft;
    private final long extendNanos;
    private final Function<RaftEntry, CompletableFuture<RaftReply>> propose;
    private long promotedTerm = -1;

    LeaderLeases(Lessor lessor, RaftNode raft, long extendNanos,
                 Function<RaftEntry, CompletableFuture<RaftReply>> propose) {
        this.lessor = lessor;
        this.raft = raft;
        this.extendNanos = extendNanos;
        this.propose = propose;
    }

    /** Promotes or demotes the lessor to match this member's leadership; true if it leads. */
    synchronized boolean syncLeadership() {
        boolean leader = raft.isLeader();
        if (leader) {
            long term = raft.term();
            if (term != promotedTerm || !lessor.isPrimary()) {
                lessor.promote(extendNanos, System.nanoTime());
                promotedTerm = term;
                log.info("promoted lessor term={} leases={}", term, lessor.size());
            }
        } else if (lessor.isPrimary()) {
            lessor.demote();
            promotedTerm = -1;
            log.info("demoted lessor leases={}", lessor.size());
        }
        return leader;
    }

    /** One round of leader housekeeping. */
    void tick() {
        try {
            if (!syncLeadership()) {
                return;
            }
            long now = System.nanoTime();
            for (long id : lessor.expired(now, REVOKES_PER_TICK)) {
                propose.apply(RaftEntry.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build())
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                log.debug("revoking expired lease {} failed: {}", Long.toHexString(id), e.toString());
                            }
                        });
            }
            List<LeaseCheckpoint> due = lessor.dueCheckpoints(now, CHECKPOINTS_PER_TICK);
            if (!due.isEmpty()) {
                propose.apply(RaftEntry.newBuilder()
                        .setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder().addAllCheckpoints(due)).build());
            }
        } catch (RuntimeException e) {
            log.warn("lease housekeeping failed", e);
        }
    }

    /** Renews on this member, which must lead: the new TTL; NOT_LEADER or LEASE_NOT_FOUND otherwise. */
    long renew(long id) {
        if (!syncLeadership()) {
            throw EtcdError.NOT_LEADER.exception();
        }
        Lessor.Renewal r = lessor.renew(id, System.nanoTime());
        if (r.clearCheckpoint()) {
            propose.apply(RaftEntry.newBuilder().setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()
                    .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0))).build());
        }
        return r.ttl();
    }

    /** TimeToLive from this member's lessor; the leader's clock when it leads. Unknown: TTL -1. */
    LeaseTimeToLiveResponse timeToLive(LeaseTimeToLiveRequest request) {
        syncLeadership();
        Lessor.TimeToLive t = lessor.timeToLive(request.getID(), request.getKeys(), System.nanoTime());
        LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setID(request.getID());
        if (t == null) {
            b.setTTL(-1);
        } else {
            b.setTTL(t.ttl()).setGrantedTTL(t.grantedTtl()).addAllKeys(t.keys());
        }
        return b.build();
    }

    /** Answers a {@link LeaderQuery} sent by another member. */
    CompletableFuture<byte[]> answer(byte[] bytes) {
        LeaderAnswer.Builder answer = LeaderAnswer.newBuilder();
        try {
            LeaderQuery query = LeaderQuery.parseFrom(bytes);
            switch (query.getQueryCase()) {
                case LEASE_RENEW -> {
                    long id = query.getLeaseRenew().getID();
                    answer.setLeaseRenew(LeaseKeepAliveResponse.newBuilder().setID(id).setTTL(renew(id)));
                }
                case LEASE_TIME_TO_LIVE -> {
                    if (!syncLeadership()) {
                        throw EtcdError.NOT_LEADER.exception();
                    }
                    answer.setLeaseTimeToLive(timeToLive(query.getLeaseTimeToLive()));
                }
                case QUERY_NOT_SET -> answer.setError(EtcdError.INTERNAL.name());
            }
        } catch (EtchException e) {
            answer.setError(e.error().name());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            answer.setError(EtcdError.INTERNAL.name());
        }
        return CompletableFuture.completedFuture(answer.build().toByteArray());
    }
}
