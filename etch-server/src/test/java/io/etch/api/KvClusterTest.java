package io.etch.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import io.etch.testing.ThreadDump;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;

/** Three members on loopback: any member serves any request, and the group survives losing its leader. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvClusterTest {

    private static EtchCluster cluster;
    private static final List<Client> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // A rerun of one failed method starts here again: clients closed by the last @AfterAll must go.
        clients.clear();
        cluster = EtchCluster.start(3);
        for (int i = 0; i < 3; i++) {
            clients.add(Client.builder().endpoints(cluster.endpoint(i)).build());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        clients.forEach(Client::close);
        cluster.close();
    }

    private static KV kv(int member) {
        return clients.get(member).getKVClient();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static String value(int member, String key, boolean serializable) throws Exception {
        var r = kv(member).get(bs(key), GetOption.builder().withSerializable(serializable).build()).get(20, TimeUnit.SECONDS);
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(UTF_8);
    }

    @Test
    @Order(1)
    void exactlyOneLeaderAndAllMembersAgreeOnIt() {
        int leader = cluster.leaderIndex();
        assertThat(leader).isBetween(0, 2);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.member(i).server().status().getLeader()).isEqualTo(cluster.memberId(leader));
        }
    }

    @Test
    @Order(2)
    void writeThroughEveryMemberIsReadLinearizablyFromEveryOther() throws Exception {
        for (int writer = 0; writer < 3; writer++) {
            String key = "/cluster/w" + writer;
            long rev = kv(writer).put(bs(key), bs("v" + writer)).get(20, TimeUnit.SECONDS).getHeader().getRevision();
            for (int reader = 0; reader < 3; reader++) {
                var r = kv(reader).get(bs(key)).get(20, TimeUnit.SECONDS);
                assertThat(r.getKvs()).hasSize(1);
                assertThat(r.getKvs().get(0).getModRevision()).isEqualTo(rev);
                assertThat(r.getHeader().getMemberId()).isEqualTo(cluster.memberId(reader));
            }
        }
    }

    @Test
    @Order(3)
    void serializableReadsAreAnsweredByTheFollowerItself() throws Exception {
        kv(0).put(bs("/cluster/s"), bs("x")).get(20, TimeUnit.SECONDS);
        int follower = (cluster.leaderIndex() + 1) % 3;
        // A serializable read may trail the leader, but it must converge without any help.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String seen = null;
        while (System.nanoTime() < deadline && !"x".equals(seen)) {
            seen = value(follower, "/cluster/s", true);
        }
        assertThat(seen).isEqualTo("x");
    }

    @Test
    @Order(4)
    void losingTheLeaderElectsAnotherAndKeepsEveryWrite() throws Exception {
        int oldLeader = cluster.leaderIndex();
        long lastRev = 0;
        for (int i = 0; i < 20; i++) {
            lastRev = kv((oldLeader + 1) % 3).put(bs("/cluster/before/" + i), bs("v")).get(20, TimeUnit.SECONDS)
                    .getHeader().getRevision();
        }
        cluster.stop(oldLeader);
        int survivor = (oldLeader + 1) % 3;
        long rev;
        try {
            rev = kv(survivor).put(bs("/cluster/after"), bs("new")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        } catch (Exception e) {
            // A rare hang here (the new leader's first append never answered) needs the members' threads to explain it.
            System.out.println(ThreadDump.all());
            throw e;
        }
        assertThat(rev).isEqualTo(lastRev + 1);
        int newLeader = cluster.leaderIndex();
        assertThat(newLeader).isNotEqualTo(oldLeader).isNotEqualTo(-1);
        for (int i = 0; i < 3; i++) {
            if (i != oldLeader) {
                var all = kv(i).get(bs("/cluster/before/"), GetOption.builder().isPrefix(true).build()).get(20, TimeUnit.SECONDS);
                assertThat(all.getCount()).isEqualTo(20);
            }
        }

        cluster.restart(oldLeader);
        clients.set(oldLeader, Client.builder().endpoints(cluster.endpoint(oldLeader)).build());
        assertThat(value(oldLeader, "/cluster/after", false)).isEqualTo("new");
    }

    @Test
    @Order(5)
    void wholeClusterRestartKeepsDataAndRevision() throws Exception {
        long rev = kv(0).put(bs("/cluster/durable"), bs("d")).get(20, TimeUnit.SECONDS).getHeader().getRevision();
        clients.forEach(Client::close);
        clients.clear();
        cluster.restartAll();
        for (int i = 0; i < 3; i++) {
            clients.add(Client.builder().endpoints(cluster.endpoint(i)).build());
        }
        var r = kv(2).get(bs("/cluster/durable")).get(30, TimeUnit.SECONDS);
        assertThat(r.getKvs().get(0).getModRevision()).isEqualTo(rev);
        assertThat(r.getHeader().getRevision()).isEqualTo(rev);
        long next = kv(1).put(bs("/cluster/next"), bs("n")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        assertThat(next).isEqualTo(rev + 1);
    }
}
