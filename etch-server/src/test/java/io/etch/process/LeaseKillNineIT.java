package io.etch.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server is killed with SIGKILL while leases are live: after the restart the leases
 * and their keys are there, the long lease keeps its key and the short one still expires.
 */
class LeaseKillNineIT {

    @TempDir
    Path dir;

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    @Test
    void leasesSurviveKillNineAndExpiryResumes() throws Exception {
        EtchProcess.SingleMember member = EtchProcess.SingleMember.at("lease", dir.resolve("data"));
        String client = member.clientUrl();
        List<String> flags = member.flags();
        long longLease;
        long shortLease;
        try (EtchProcess etch = new EtchProcess(flags, dir.resolve("etch.log"))) {
            etch.start();
            try (Client c = Client.builder().endpoints(client).build()) {
                longLease = c.getLeaseClient().grant(300).get(10, TimeUnit.SECONDS).getID();
                shortLease = c.getLeaseClient().grant(4).get(10, TimeUnit.SECONDS).getID();
                c.getKVClient().put(bs("/svc/long"), bs("a"), PutOption.builder().withLeaseId(longLease).build()).get();
                c.getKVClient().put(bs("/svc/short"), bs("b"), PutOption.builder().withLeaseId(shortLease).build()).get();
            }
            etch.kill9();
        }
        try (EtchProcess etch = new EtchProcess(flags, dir.resolve("etch-restarted.log"));
             Client c = Client.builder().endpoints(client).build()) {
            etch.start();
            var ttl = c.getLeaseClient().timeToLive(longLease, LeaseOption.builder().withAttachedKeys().build()).get();
            assertThat(ttl.getGrantedTTL()).isEqualTo(300);
            assertThat(ttl.getKeys()).extracting(k -> k.toString(UTF_8)).containsExactly("/svc/long");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (c.getKVClient().get(bs("/svc/short")).get().getCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(c.getKVClient().get(bs("/svc/short")).get().getCount()).isZero();
            assertThat(c.getLeaseClient().timeToLive(shortLease, LeaseOption.DEFAULT).get().getTTL()).isEqualTo(-1);
            assertThat(c.getKVClient().get(bs("/svc/long")).get().getCount()).isEqualTo(1);
        }
    }
}
