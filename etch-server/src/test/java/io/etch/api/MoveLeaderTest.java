package io.etch.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.MoveLeaderRequest;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Maintenance.MoveLeader and the leader's hand-over on a graceful stop, on three members. */
class MoveLeaderTest {
    private EtchCluster cluster;
    private final ManagedChannel[] channels = new ManagedChannel[3];

    @BeforeEach
    void start() throws Exception {
        cluster = EtchCluster.start(3);
        for (int i = 0; i < 3; i++) {
            channels[i] = ManagedChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build();
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        cluster.close();
    }

    private MaintenanceGrpc.MaintenanceBlockingStub maintenance(int i) {
        return MaintenanceGrpc.newBlockingStub(channels[i]).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private long leaderSeenBy(int i) {
        return maintenance(i).status(StatusRequest.getDefaultInstance()).getLeader();
    }

    @Test
    void theLeaderHandsLeadershipToTheTargetAndReturnsOnceItLeads() {
        int leader = cluster.leaderIndex();
        int target = (leader + 1) % 3;
        maintenance(leader).moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(target)).build());
        // etcd returns only when the target leads as the old leader sees it; the target itself knows at once.
        assertThat(leaderSeenBy(leader)).isEqualTo(cluster.memberId(target));
        assertThat(leaderSeenBy(target)).isEqualTo(cluster.memberId(target));
        // Moving leadership to the leader itself changes nothing.
        maintenance(target).moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(target)).build());
        assertThat(leaderSeenBy(target)).isEqualTo(cluster.memberId(target));
    }

    @Test
    void onlyTheLeaderMovesLeadershipAndOnlyToAMember() {
        int leader = cluster.leaderIndex();
        int follower = (leader + 1) % 3;
        assertThatThrownBy(() -> maintenance(follower).moveLeader(
                MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(follower)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: not leader");
                });
        assertThatThrownBy(() -> maintenance(leader).moveLeader(MoveLeaderRequest.newBuilder().setTargetID(12345).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: bad leader transferee");
                });
        assertThat(leaderSeenBy(follower)).isEqualTo(cluster.memberId(leader));
    }

    @Test
    void aLeaderStoppedGracefullyHandsOverBeforeItGoes() throws Exception {
        int leader = cluster.leaderIndex();
        cluster.stopGracefully(leader);
        // No election timeout to wait for: a survivor already leads when the stop returns.
        int a = (leader + 1) % 3;
        int b = (leader + 2) % 3;
        boolean aLeads = leaderSeenBy(a) == cluster.memberId(a);
        boolean bLeads = leaderSeenBy(b) == cluster.memberId(b);
        assertThat(aLeads || bLeads).as("a survivor leads").isTrue();
        try (Client client = Client.builder().endpoints(cluster.endpoint(a)).build()) {
            client.getKVClient().put(ByteSequence.from("k", UTF_8), ByteSequence.from("v", UTF_8)).get(20, TimeUnit.SECONDS);
        }
    }
}
