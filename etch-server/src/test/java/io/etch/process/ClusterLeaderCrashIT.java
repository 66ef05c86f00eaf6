package io.etch.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
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
        int[] clientPorts = new int[n];
        int[] peerPorts = new int[n];
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < n; i++) {
            clientPorts[i] = EtchProcess.freePort();
            peerPorts[i] = EtchProcess.freePort();
            cluster.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(peerPorts[i]);
        }
        EtchProcess[] members = new EtchProcess[n];
        List<String>[] flags = new List[n];
        String[] endpoints = new String[n];
        for (int i = 0; i < n; i++) {
            String client = "http://127.0.0.1:" + clientPorts[i];
            String peer = "http://127.0.0.1:" + peerPorts[i];
            endpoints[i] = client;
            flags[i] = List.of("--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", cluster.toString(), "--initial-cluster-token", "crash-cluster",
                    "--heartbeat-interval", "50", "--election-timeout", "500");
        }
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        try {
            List<Thread> starters = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                members[i] = new EtchProcess(flags[i], dir.resolve("m" + i + ".log"));
                EtchProcess m = members[i];
                Thread t = new Thread(() -> {
                    try {
                        m.start();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                starters.add(t);
            }
            for (Thread t : starters) {
                t.join();
            }
            for (EtchProcess m : members) {
                assertThat(m.isAlive()).isTrue();
            }
            int leader = leaderIndex(clientPorts);

            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(n - 1);
            List<Client> clients = new ArrayList<>();
            // Writers talk to the members that survive, so their writes go on through the failover.
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i == leader) {
                    continue;
                }
                Client c = Client.builder().endpoints(endpoints[i]).build();
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
            members[leader].kill9();
            int before = acknowledged.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < before + 300 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(acknowledged.size()).as("writes acknowledged after the leader died").isGreaterThanOrEqualTo(before + 300);
            int newLeader = leaderIndex(clientPorts);
            assertThat(newLeader).isNotEqualTo(leader);

            members[leader] = new EtchProcess(flags[leader], dir.resolve("m" + leader + "-restarted.log"));
            members[leader].start();
            stop.set(true);
            writers.shutdown();
            assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            clients.forEach(Client::close);

            for (int i = 0; i < n; i++) {
                try (Client c = Client.builder().endpoints(endpoints[i]).build()) {
                    var all = c.getKVClient().get(ByteSequence.from("/failover/", UTF_8),
                            GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
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
        } finally {
            for (EtchProcess m : members) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    /** The member every live member names as leader. */
    private static int leaderIndex(int[] clientPorts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Map<Long, Integer> byId = new HashMap<>();
            long leaderId = 0;
            for (int i = 0; i < clientPorts.length; i++) {
                ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", clientPorts[i]).usePlaintext().build();
                try {
                    StatusResponse s = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .status(StatusRequest.getDefaultInstance());
                    byId.put(s.getHeader().getMemberId(), i);
                    if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
                        leaderId = s.getLeader();
                    }
                } catch (RuntimeException unreachable) {
                    // a dead member has no say
                } finally {
                    ch.shutdownNow();
                }
            }
            if (leaderId != 0 && byId.containsKey(leaderId)) {
                return byId.get(leaderId);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within 30s");
    }
}
