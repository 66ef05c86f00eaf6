package io.etch.lease;

import static io.etch.lease.LeaseApiTest.bs;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leases on three members: the leader alone expires them, followers forward renewals, failover is safe. */
class LeaseClusterTest {

    private EtchCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = EtchCluster.start(3);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private Client clientOf(int member) {
        return Client.builder().endpoints(cluster.endpoint(member)).build();
    }

    private static boolean exists(Client c, String key) throws Exception {
        return c.getKVClient().get(bs(key)).get(20, TimeUnit.SECONDS).getCount() > 0;
    }

    @Test
    void keepAliveThroughAFollowerReachesTheLeader() throws Exception {
        int follower = (cluster.leaderIndex() + 1) % 3;
        try (Client c = clientOf(follower)) {
            long id = c.getLeaseClient().grant(1).get(20, TimeUnit.SECONDS).getID();
            c.getKVClient().put(bs("/f/k"), bs("v"), PutOption.builder().withLeaseId(id).build()).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < 12; i++) {
                var r = c.getLeaseClient().keepAliveOnce(id).get(20, TimeUnit.SECONDS);
                assertThat(r.getTTL()).isEqualTo(1);
                Thread.sleep(250);
            }
            assertThat(exists(c, "/f/k")).isTrue();
            var ttl = c.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get(20, TimeUnit.SECONDS);
            assertThat(ttl.getGrantedTTL()).isEqualTo(1);
            assertThat(ttl.getKeys()).extracting(k -> k.toString(UTF_8)).containsExactly("/f/k");
        }
    }

    @Test
    void leaderStoppedWhileLeasesLiveNoPrematureExpiryButExpiryStillHappens() throws Exception {
        int leader = cluster.leaderIndex();
        int survivor = (leader + 1) % 3;
        try (Client c = clientOf(survivor)) {
            long shortLease = c.getLeaseClient().grant(4).get(20, TimeUnit.SECONDS).getID();
            long longLease = c.getLeaseClient().grant(60).get(20, TimeUnit.SECONDS).getID();
            c.getKVClient().put(bs("/x/short"), bs("v"), PutOption.builder().withLeaseId(shortLease).build()).get(20, TimeUnit.SECONDS);
            c.getKVClient().put(bs("/x/long"), bs("v"), PutOption.builder().withLeaseId(longLease).build()).get(20, TimeUnit.SECONDS);
            long stopped = System.nanoTime();
            cluster.stop(leader);
            // A new leader takes over and extends the remaining TTLs: nothing expires early.
            assertThat(exists(c, "/x/short")).isTrue();
            assertThat(exists(c, "/x/long")).isTrue();
            long deadline = stopped + TimeUnit.SECONDS.toNanos(20);
            while (exists(c, "/x/short") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long lived = System.nanoTime() - stopped;
            assertThat(exists(c, "/x/short")).isFalse();
            assertThat(lived).isGreaterThan(TimeUnit.SECONDS.toNanos(3));
            assertThat(exists(c, "/x/long")).isTrue();
            var ttl = c.getLeaseClient().timeToLive(longLease, LeaseOption.DEFAULT).get(20, TimeUnit.SECONDS);
            assertThat(ttl.getTTL()).isBetween(40L, 61L);
        }
    }
}
