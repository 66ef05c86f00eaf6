package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** MemberList shows every member's name and client URLs, as each member published them through Raft. */
class MemberListTest {

    private static List<Member> members(ManagedChannel ch) {
        return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                .memberList(MemberListRequest.getDefaultInstance()).getMembersList();
    }

    @Test
    void everyMemberSeesEveryMembersClientUrlsAlsoAfterARestart() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3; i++) {
                    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build();
                    try {
                        // A member is ready once it published itself; the others learn it when they apply the entry.
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        List<Member> seen = members(ch);
                        while (seen.stream().anyMatch(m -> m.getClientURLsList().isEmpty()) && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                            seen = members(ch);
                        }
                        assertThat(seen).hasSize(3);
                        for (int j = 0; j < 3; j++) {
                            long id = cluster.memberId(j);
                            Member m = seen.stream().filter(x -> x.getID() == id).findFirst().orElseThrow();
                            assertThat(m.getName()).isEqualTo(cluster.member(j).server().settings().name());
                            assertThat(m.getClientURLsList()).containsExactly(cluster.endpoint(j));
                            assertThat(m.getPeerURLsList()).hasSize(1);
                        }
                    } finally {
                        ch.shutdownNow();
                    }
                }
                // Published attributes are stored: after a restart of all, they are there before anyone publishes again.
                cluster.restartAll();
            }
        }
    }
}
