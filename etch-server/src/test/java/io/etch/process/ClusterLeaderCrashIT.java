package io.etch.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged members as separate processes. Under a write load the leader gets SIGKILL: the
 * other two elect a new leader and go on serving, the killed member comes back and catches up, and
 * every member holds every acknowledged write, with one revision per write and no gap.
 */
class ClusterLeaderCrashIT {

    @TempDir
    Path dir;

    @Test
    void killingTheLeaderLosesNoAcknowledgedWrite() throws Exception {
        int n = 3;
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        try (ProcessCluster members = ProcessCluster.start(dir, n, "crash-cluster", 50, 500)) {
            for (int i = 0; i < n; i++) {
                assertThat(members.member(i).isAlive()).isTrue();
            }
            int leader = members.leaderIndex();

            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(n - 1);
            List<Client> clients = new ArrayList<>();
            // Writers talk to the members that survive, so their writes go on through the failover.
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i == leader) {
                    continue;
                }
                Client c = Client.builder().endpoints(members.endpoint(i)).build();
                clients.add(c);
                KV kv = c.getKVClient();
                int writer = w++;
                writers.submit(() -> {
                    for (int k = 0; !stop.get() && k < 100_000; k++) {
                        String key = "/failover/w" + writer + "/" + k;
                        try {
                            long rev = kv.put(ByteSequence.from(key, UTF_8), ByteSequence.from("v", UTF_8))
                                    .get(15, TimeUnit.SECONDS).getHeader().getRevision();
                            acknowledged.put(key, rev);
                        } catch (Exception e) {
                            // not acknowledged: allowed to be lost, or to be there
                        }
                    }
                });
            }
            while (acknowledged.size() < 300) {
                Thread.sleep(10);
            }
            members.kill9(leader);
            int before = acknowledged.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < before + 300 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(acknowledged.size()).as("writes acknowledged after the leader died").isGreaterThanOrEqualTo(before + 300);
            int newLeader = members.leaderIndex();
            assertThat(newLeader).isNotEqualTo(leader);

            members.restart(leader);
            stop.set(true);
            writers.shutdown();
            assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            clients.forEach(Client::close);

            for (int i = 0; i < n; i++) {
                try (Client c = Client.builder().endpoints(members.endpoint(i)).build()) {
                    // As clientv3 does, a read that timed out on the server is sent again.
                    io.etcd.jetcd.kv.GetResponse all = null;
                    for (int attempt = 1; all == null; attempt++) {
                        try {
                            all = c.getKVClient().get(ByteSequence.from("/failover/", UTF_8),
                                    GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.ExecutionException e) {
                            if (attempt == 3) {
                                throw e;
                            }
                        }
                    }
                    Map<String, Long> stored = new HashMap<>();
                    all.getKvs().forEach(kv -> {
                        stored.put(kv.getKey().toString(UTF_8), kv.getModRevision());
                        assertThat(kv.getVersion()).as("each key written once").isEqualTo(1);
                    });
                    assertThat(stored).as("member %d", i).containsAllEntriesOf(acknowledged);
                    assertThat(all.getHeader().getRevision()).as("one revision per write, no gap")
                            .isEqualTo(1 + stored.size());
                }
            }
        }
    }
}
