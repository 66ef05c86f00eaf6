package io.etch.lease;

import static io.etch.lease.LeaseApiTest.bs;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Leases and their keys survive a restart, and expiry resumes afterwards. */
class LeasePersistenceTest {

    @Test
    void restartKeepsLeasesAndTheirKeysAndExpiryResumes() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            long longLease;
            long shortLease;
            try (Client c = Client.builder().endpoints(cluster.endpoints()).build()) {
                longLease = c.getLeaseClient().grant(600).get().getID();
                shortLease = c.getLeaseClient().grant(3).get().getID();
                c.getKVClient().put(bs("/p/long"), bs("v"), PutOption.builder().withLeaseId(longLease).build()).get();
                c.getKVClient().put(bs("/p/short"), bs("v"), PutOption.builder().withLeaseId(shortLease).build()).get();
            }
            cluster.restartAll();
            try (Client c = Client.builder().endpoints(cluster.endpoints()).build()) {
                var ttl = c.getLeaseClient().timeToLive(longLease, LeaseOption.builder().withAttachedKeys().build()).get();
                assertThat(ttl.getGrantedTTL()).isEqualTo(600);
                assertThat(ttl.getKeys()).extracting(k -> k.toString(UTF_8)).containsExactly("/p/long");
                assertThat(c.getLeaseClient().timeToLive(shortLease, LeaseOption.DEFAULT).get().getGrantedTTL()).isEqualTo(3);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (c.getKVClient().get(bs("/p/short")).get().getCount() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(c.getKVClient().get(bs("/p/short")).get().getCount()).isZero();
                assertThat(c.getKVClient().get(bs("/p/long")).get().getCount()).isEqualTo(1);
                // The key's attachment was rebuilt: revoking the lease deletes it.
                c.getLeaseClient().revoke(longLease).get();
                assertThat(c.getKVClient().get(bs("/p/long")).get().getCount()).isZero();
            }
        }
    }
}
