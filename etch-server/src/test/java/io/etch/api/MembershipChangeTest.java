package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberAddRequest;
import io.etch.api.etcdserverpb.MemberAddResponse;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.MemberPromoteRequest;
import io.etch.api.etcdserverpb.MemberRemoveRequest;
import io.etch.api.etcdserverpb.MemberUpdateRequest;
import io.etch.api.etcdserverpb.MoveLeaderRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.server.ServerSettings;
import io.etch.testing.EtchCluster;
import io.etch.testing.Eventually;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Runtime membership as etcd 3.5 has it: add, remove, update, promote, and the errors, with real members. */
class MembershipChangeTest {
    /** etcd's health interval is 5 s; these tests need the peers' history only to be a little older than a start. */
    private static final ServerSettings.Reconfig FAST = new ServerSettings.Reconfig(true, 1, false, Duration.ofMillis(300));

    private EtchCluster cluster;
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();

    @AfterEach
    void stop() throws Exception {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    private ManagedChannel channel(int i) {
        return channels.computeIfAbsent(i,
                n -> ManagedChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(n)).usePlaintext().build());
    }

    private ClusterGrpc.ClusterBlockingStub members(int i) {
        return ClusterGrpc.newBlockingStub(channel(i)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private KVGrpc.KVBlockingStub kv(int i) {
        return KVGrpc.newBlockingStub(channel(i)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private void start(int size) throws Exception {
        cluster = EtchCluster.startWithReconfig(size, FAST);
        Thread.sleep(400); // the leader has heard from every peer for a health interval
    }

    private MemberAddResponse add(int via, String peerUrl, boolean learner) {
        return members(via).memberAdd(MemberAddRequest.newBuilder().addPeerURLs(peerUrl).setIsLearner(learner).build());
    }

    private List<Member> list(int i) {
        return members(i).memberList(MemberListRequest.newBuilder().setLinearizable(true).build()).getMembersList();
    }

    private static void assertError(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    private long count(int i, boolean serializable) {
        return kv(i).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/"))
                .setRangeEnd(ByteString.copyFromUtf8("k0")).setCountOnly(true).setSerializable(serializable).build()).getCount();
    }

    /** A client that keeps writing to member 0 until stopped; counts acknowledged writes. */
    private final class Writer implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger acknowledged = new AtomicInteger();
        final Thread thread;

        Writer(int via) {
            thread = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    try {
                        kv(via).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/" + n))
                                .setValue(ByteString.copyFromUtf8("v" + n)).build());
                        acknowledged.incrementAndGet();
                        n++;
                    } catch (StatusRuntimeException e) {
                        // a write may fail while leadership moves; the next one is a new key
                        n++;
                    }
                }
            });
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    @Test
    void anAddedMemberJoinsWhileAClientWritesCatchesUpAndServesTheSameData() throws Exception {
        start(3);
        int added = cluster.prepareMember();
        try (Writer writer = new Writer(0)) {
            Eventually.await("some writes", Duration.ofSeconds(20), () -> writer.acknowledged.get() > 50);
            MemberAddResponse r = add(1, cluster.peerUrl(added), false);
            assertThat(r.getMember().getPeerURLsList()).containsExactly(cluster.peerUrl(added));
            assertThat(r.getMember().getName()).isEmpty();
            assertThat(r.getMembersList()).hasSize(4);
            assertThat(r.getMembersList()).anyMatch(m -> m.getID() == r.getMember().getID() && m.getName().isEmpty()
                    && m.getClientURLsList().isEmpty());
            cluster.startJoining(added);
            assertThat(cluster.memberId(added)).isEqualTo(r.getMember().getID());
            Eventually.await("more writes", Duration.ofSeconds(20), () -> writer.acknowledged.get() > 150);
        }
        // The new member is a voter: it can lead.
        Eventually.await("the new member is in the raft configuration", Duration.ofSeconds(30), () -> {
            try {
                MaintenanceGrpc.newBlockingStub(channel(cluster.leaderIndex())).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(added)).build());
                return true;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
        assertThat(cluster.leaderIndex()).isEqualTo(added);
        long expected = count(0, false);
        assertThat(count(added, false)).isEqualTo(expected);
        assertThat(count(added, true)).isEqualTo(expected);
        for (int i = 0; i < 4; i++) {
            int member = i;
            Eventually.await("member " + i + " lists the new member by name", Duration.ofSeconds(20),
                    () -> list(member).stream().anyMatch(m -> m.getID() == cluster.memberId(added)
                            && m.getName().equals("m" + added) && !m.getClientURLsList().isEmpty()));
        }
    }

    @Test
    void fiveMembersTakeARemovalALearnerAndItsPromotionWhileAClientWrites() throws Exception {
        start(5);
        int leader = cluster.leaderIndex();
        int via = (leader + 1) % 5;
        int removed = (leader + 2) % 5;
        long removedId = cluster.memberId(removed);
        int learner = cluster.prepareMember();
        long learnerId;
        try (Writer writer = new Writer(via)) {
            Eventually.await("some writes", Duration.ofSeconds(20), () -> writer.acknowledged.get() > 50);
            assertThat(members(via).memberRemove(MemberRemoveRequest.newBuilder().setID(removedId).build())
                    .getMembersList()).hasSize(4).noneMatch(m -> m.getID() == removedId);
            cluster.member(removed).stopped().get(30, TimeUnit.SECONDS);
            learnerId = add(via, cluster.peerUrl(learner), true).getMember().getID();
            cluster.startJoining(learner);
            int at = writer.acknowledged.get();
            Eventually.await("more writes", Duration.ofSeconds(20), () -> writer.acknowledged.get() > at + 100);
            Eventually.await("the learner is promoted", Duration.ofSeconds(30), () -> {
                try {
                    members(via).memberPromote(MemberPromoteRequest.newBuilder().setID(learnerId).build());
                    return true;
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("etcdserver: can only promote a learner member which is in sync with leader");
                    return false;
                }
            });
            int promotedAt = writer.acknowledged.get();
            Eventually.await("writes after the promotion", Duration.ofSeconds(20),
                    () -> writer.acknowledged.get() > promotedAt + 50);
        }
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i <= learner; i++) {
            if (i != removed) {
                live.add(i);
            }
        }
        long expected = count(via, false);
        for (int i : live) {
            int member = i;
            Eventually.await("member " + i + " has every write", Duration.ofSeconds(30),
                    () -> count(member, true) == expected);
            assertThat(list(i)).hasSize(5).noneMatch(m -> m.getID() == removedId)
                    .anyMatch(m -> m.getID() == learnerId && !m.getIsLearner());
        }
    }

    @Test
    void aDeadMemberIsReplacedByRemovingItAndAddingANewOne() throws Exception {
        start(3);
        int dead = (cluster.leaderIndex() + 1) % 3;
        long deadId = cluster.memberId(dead);
        cluster.stop(dead);
        int alive = (dead + 1) % 3;
        List<Member> after = members(alive).memberRemove(MemberRemoveRequest.newBuilder().setID(deadId).build())
                .getMembersList();
        assertThat(after).hasSize(2).noneMatch(m -> m.getID() == deadId);
        int replacement = cluster.prepareMember();
        add(alive, cluster.peerUrl(replacement), false);
        cluster.startJoining(replacement);
        kv(replacement).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/after"))
                .setValue(ByteString.copyFromUtf8("x")).build());
        assertThat(count(alive, false)).isEqualTo(1);
        assertThat(list(replacement)).hasSize(3).noneMatch(m -> m.getID() == deadId);
        // A removed id cannot be removed again.
        assertError(() -> members(alive).memberRemove(MemberRemoveRequest.newBuilder().setID(deadId).build()),
                Status.Code.NOT_FOUND, "etcdserver: member not found");
    }

    @Test
    void theLeaderCanRemoveItselfAndStopsWhileTheOthersGoOn() throws Exception {
        start(3);
        int leader = cluster.leaderIndex();
        long leaderId = cluster.memberId(leader);
        List<Member> after = members(leader).memberRemove(MemberRemoveRequest.newBuilder().setID(leaderId).build())
                .getMembersList();
        assertThat(after).hasSize(2).noneMatch(m -> m.getID() == leaderId);
        cluster.member(leader).stopped().get(30, TimeUnit.SECONDS);
        int other = (leader + 1) % 3;
        kv(other).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/1")).setValue(ByteString.copyFromUtf8("v")).build());
        assertThat(count((leader + 2) % 3, false)).isEqualTo(1);
        assertThat(cluster.leaderIndex()).isNotEqualTo(leader).isNotEqualTo(-1);
    }

    @Test
    void aRemovedFollowerStops() throws Exception {
        start(3);
        int follower = (cluster.leaderIndex() + 1) % 3;
        members(cluster.leaderIndex()).memberRemove(MemberRemoveRequest.newBuilder().setID(cluster.memberId(follower)).build());
        cluster.member(follower).stopped().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aLearnerServesSerializableReadsRefusesTheRestAndIsPromotedOnceInSync() throws Exception {
        start(3);
        kv(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/1")).setValue(ByteString.copyFromUtf8("v")).build());
        int learner = cluster.prepareMember();
        long id = add(0, cluster.peerUrl(learner), true).getMember().getID();
        assertThat(list(1)).anyMatch(m -> m.getID() == id && m.getIsLearner());
        // Not running yet, so not in sync.
        assertError(() -> members(2).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member which is in sync with leader");
        // One learner at most (--max-learners 1).
        int second = cluster.prepareMember();
        assertError(() -> add(0, cluster.peerUrl(second), true), Status.Code.FAILED_PRECONDITION,
                "etcdserver: too many learner members in cluster");
        cluster.startJoining(learner);
        Eventually.await("the learner has the key", Duration.ofSeconds(30), () -> count(learner, true) == 1);
        assertError(() -> count(learner, false), Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner");
        assertError(() -> kv(learner).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/2")).build()),
                Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner");
        assertThat(MaintenanceGrpc.newBlockingStub(channel(learner)).status(StatusRequest.getDefaultInstance()).getIsLearner())
                .isTrue();
        Eventually.await("the learner is promoted", Duration.ofSeconds(30), () -> {
            try {
                members(1).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build());
                return true;
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getDescription())
                        .isEqualTo("etcdserver: can only promote a learner member which is in sync with leader");
                return false;
            }
        });
        assertThat(list(0)).anyMatch(m -> m.getID() == id && !m.getIsLearner());
        assertError(() -> members(0).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
        Eventually.await("the promoted member serves linearizable reads", Duration.ofSeconds(30), () -> {
            try {
                return count(learner, false) == 1;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void updateChangesPeerUrlsAndTheErrorsAreEtcds() throws Exception {
        start(3);
        long id = cluster.memberId(2);
        List<Member> updated = members(0).memberUpdate(MemberUpdateRequest.newBuilder().setID(id)
                .addPeerURLs("http://127.0.0.1:1").build()).getMembersList();
        assertThat(updated).anyMatch(m -> m.getID() == id && m.getPeerURLsList().equals(List.of("http://127.0.0.1:1")));
        members(1).memberUpdate(MemberUpdateRequest.newBuilder().setID(id).addPeerURLs(cluster.peerUrl(2)).build());
        assertThat(list(2)).anyMatch(m -> m.getID() == id && m.getPeerURLsList().equals(List.of(cluster.peerUrl(2))));

        assertError(() -> members(0).memberUpdate(MemberUpdateRequest.newBuilder().setID(id)
                .addPeerURLs(cluster.peerUrl(0)).build()), Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists");
        assertError(() -> members(0).memberUpdate(MemberUpdateRequest.newBuilder().setID(12345)
                .addPeerURLs("http://127.0.0.1:2").build()), Status.Code.NOT_FOUND, "etcdserver: member not found");
        assertError(() -> members(1).memberRemove(MemberRemoveRequest.newBuilder().setID(12345).build()),
                Status.Code.NOT_FOUND, "etcdserver: member not found");
        assertError(() -> members(1).memberPromote(MemberPromoteRequest.newBuilder().setID(cluster.memberId(0)).build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
        assertError(() -> add(2, cluster.peerUrl(1), false), Status.Code.FAILED_PRECONDITION,
                "etcdserver: Peer URLs already exists");
        assertError(() -> add(2, "not a url", false), Status.Code.INVALID_ARGUMENT,
                "etcdserver: given member URLs are invalid");
        // Two adds of the same URL within one second get the same id (etcd's rule: URLs and the time in seconds).
        int extra = cluster.prepareMember();
        long first = add(0, cluster.peerUrl(extra), false).getMember().getID();
        members(0).memberRemove(MemberRemoveRequest.newBuilder().setID(first).build());
    }

    @Test
    void strictReconfigCheckRefusesChangesThatWouldLoseTheQuorum() throws Exception {
        start(3);
        int leader = cluster.leaderIndex();
        // Voters that were added but never started: two more leave three started of five, a third is refused.
        add(leader, "http://127.0.0.1:" + io.etch.testing.TestPorts.next(), false);
        add(leader, "http://127.0.0.1:" + io.etch.testing.TestPorts.next(), false);
        assertError(() -> add(leader, "http://127.0.0.1:" + io.etch.testing.TestPorts.next(), false),
                Status.Code.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members");
        // A learner does not change the quorum, but the leader must still hear from a quorum of the
        // voters with one more among them: two of five voters never started, so it does not.
        assertError(() -> add(leader, "http://127.0.0.1:" + io.etch.testing.TestPorts.next(), true),
                Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster");
    }

    @Test
    void removingAMemberTheLeaderHearsFromIsRefusedWhenTheRestWouldLoseTheQuorum() throws Exception {
        start(3);
        int leader = cluster.leaderIndex();
        int down = (leader + 1) % 3;
        cluster.stop(down);
        int alive = (leader + 2) % 3;
        assertError(() -> members(leader).memberRemove(MemberRemoveRequest.newBuilder()
                .setID(cluster.memberId(alive)).build()), Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster");
        // The member that is down can go: it is not part of the active quorum.
        members(leader).memberRemove(MemberRemoveRequest.newBuilder().setID(cluster.memberId(down)).build());
    }

    @Test
    void membershipChangesNeedRootWhenAuthIsOn() throws Exception {
        start(1);
        var auth = io.etch.api.etcdserverpb.AuthGrpc.newBlockingStub(channel(0));
        auth.userAdd(io.etch.api.etcdserverpb.AuthUserAddRequest.newBuilder().setName("root").setPassword("root").build());
        auth.userGrantRole(io.etch.api.etcdserverpb.AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        auth.userAdd(io.etch.api.etcdserverpb.AuthUserAddRequest.newBuilder().setName("u").setPassword("p").build());
        auth.authEnable(io.etch.api.etcdserverpb.AuthEnableRequest.getDefaultInstance());
        String token = auth.authenticate(io.etch.api.etcdserverpb.AuthenticateRequest.newBuilder().setName("u")
                .setPassword("p").build()).getToken();
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), token);
        var asUser = members(0).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
        assertError(() -> asUser.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:3").build()),
                Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
        assertThat(asUser.memberList(MemberListRequest.getDefaultInstance()).getMembersList()).hasSize(1);
    }

    @Test
    void aRestartedMemberUsesItsStoredMembershipNotAStaleInitialCluster() throws Exception {
        start(3);
        int added = cluster.prepareMember();
        add(0, cluster.peerUrl(added), false);
        cluster.startJoining(added);
        int gone = (cluster.leaderIndex() + 1) % 3;
        if (gone == added) {
            gone = (gone + 1) % 3;
        }
        long goneId = cluster.memberId(gone);
        members(added).memberRemove(MemberRemoveRequest.newBuilder().setID(goneId).build());
        cluster.member(gone).stopped().get(30, TimeUnit.SECONDS);
        // Every bootstrap member restarts with the initial cluster of three, the joined one with none.
        List<Integer> restarted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            if (i != gone) {
                restarted.add(i);
                cluster.restart(i);
            }
        }
        for (int i : restarted) {
            List<Member> seen = list(i);
            assertThat(seen).hasSize(3).noneMatch(m -> m.getID() == goneId)
                    .anyMatch(m -> m.getID() == cluster.memberId(added));
        }
    }

    @Test
    void aMemberJoinsAClusterWhoseMembersAllRestarted() throws Exception {
        start(3);
        kv(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/1")).setValue(ByteString.copyFromUtf8("v")).build());
        cluster.restartAll();
        Thread.sleep(400);
        int added = cluster.prepareMember();
        add(0, cluster.peerUrl(added), false);
        cluster.startJoining(added);
        assertThat(count(added, false)).isEqualTo(1);
    }

    @Test
    void aRemovedMemberThatWasDownStopsWhenItComesBack() throws Exception {
        start(3);
        int down = (cluster.leaderIndex() + 1) % 3;
        long downId = cluster.memberId(down);
        cluster.stop(down);
        members((down + 1) % 3).memberRemove(MemberRemoveRequest.newBuilder().setID(downId).build());
        cluster.restartAsync(down);
        cluster.member(down).stopped().get(60, TimeUnit.SECONDS);
    }
}
