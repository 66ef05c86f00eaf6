package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3electionpb.LeaderRequest;
import io.etch.api.v3electionpb.ProclaimRequest;
import io.etch.api.v3lockpb.LockGrpc;
import io.etch.api.v3lockpb.LockRequest;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lock and Election through jetcd's clients (and raw stubs for etcd's error cases), on a real member. */
class LockElectionTest {

    private static EtchCluster cluster;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        cluster = EtchCluster.start(1);
        client = Client.builder().endpoints(cluster.endpoints()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        cluster.close();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static com.google.protobuf.ByteString pb(String s) {
        return com.google.protobuf.ByteString.copyFromUtf8(s);
    }

    private static long lease(long ttl) throws Exception {
        return client.getLeaseClient().grant(ttl).get(30, TimeUnit.SECONDS).getID();
    }

    private static long keysUnder(String prefix) throws Exception {
        return client.getKVClient().get(bs(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(30, TimeUnit.SECONDS).getCount();
    }

    private static void awaitKeys(String prefix, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (keysUnder(prefix) != n) {
            assertThat(System.nanoTime()).as("%d keys under %s", n, prefix).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void contendersHoldTheLockOneAtATime() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger entries = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 5; c++) {
                done.add(pool.submit(() -> {
                    long lease = lease(30);
                    for (int i = 0; i < 4; i++) {
                        LockResponse held = client.getLockClient().lock(bs("mutex"), lease).get(60, TimeUnit.SECONDS);
                        int now = inside.incrementAndGet();
                        most.accumulateAndGet(now, Math::max);
                        entries.incrementAndGet();
                        Thread.sleep(5);
                        inside.decrementAndGet();
                        client.getLockClient().unlock(held.getKey()).get(30, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(most.get()).isEqualTo(1);
        assertThat(entries.get()).isEqualTo(20);
        assertThat(keysUnder("mutex/")).isZero();
    }

    @Test
    void waitersGetTheLockInOrderAndWhenTheHoldersLeaseEnds() throws Exception {
        long a = lease(2);
        LockResponse first = client.getLockClient().lock(bs("queue"), a).get(30, TimeUnit.SECONDS);
        assertThat(first.getKey().toString(StandardCharsets.UTF_8)).isEqualTo("queue/" + Long.toHexString(a));
        CompletableFuture<LockResponse> second = client.getLockClient().lock(bs("queue"), lease(60));
        awaitKeys("queue/", 2);
        CompletableFuture<LockResponse> third = client.getLockClient().lock(bs("queue"), lease(60));
        awaitKeys("queue/", 3);
        assertThat(second).isNotDone();
        // Nobody keeps the first holder's lease alive: when it expires, the next in line has the lock.
        LockResponse next = second.get(30, TimeUnit.SECONDS);
        assertThat(third).isNotDone();
        client.getLockClient().unlock(next.getKey()).get(30, TimeUnit.SECONDS);
        LockResponse last = third.get(30, TimeUnit.SECONDS);
        client.getLockClient().unlock(last.getKey()).get(30, TimeUnit.SECONDS);
        assertThat(keysUnder("queue/")).isZero();
    }

    @Test
    void aWaiterThatGivesUpLeavesNoKeyAndALockWithoutLeaseGetsASessionLease() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
        try {
            LockGrpc.LockBlockingStub lock = LockGrpc.newBlockingStub(channel);
            var held = lock.lock(LockRequest.newBuilder().setName(pb("gone")).build());
            // No lease given: the server's session granted one of 60 s, named in the key.
            String suffix = held.getKey().toStringUtf8().substring("gone/".length());
            long granted = Long.parseLong(suffix, 16);
            assertThat(client.getLeaseClient().timeToLive(granted, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                    .get(30, TimeUnit.SECONDS).getGrantedTTL()).isEqualTo(60);

            assertThatThrownBy(() -> lock.withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                    .lock(LockRequest.newBuilder().setName(pb("gone")).setLease(lease(60)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            awaitKeys("gone/", 1);

            assertThatThrownBy(() -> lock.lock(LockRequest.newBuilder().setName(pb("nolease"))
                    .setLease(0x7777).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: requested lease not found");
                    });
            assertThat(keysUnder("nolease/")).isZero();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void campaignProclaimObserveAndResignAsEtcd() throws Exception {
        var election = client.getElectionClient();
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        election.observe(bs("leader"), new io.etcd.jetcd.Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
                seen.add(response.getKv().getValue().toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onError(Throwable throwable) {
                seen.add("error: " + throwable);
            }

            @Override
            public void onCompleted() {
            }
        });
        long la = lease(60);
        CampaignResponse a = election.campaign(bs("leader"), la, bs("a")).get(30, TimeUnit.SECONDS);
        LeaderKey ka = a.getLeader();
        assertThat(ka.getKey().toString(StandardCharsets.UTF_8)).isEqualTo("leader/" + Long.toHexString(la));
        assertThat(election.leader(bs("leader")).get(30, TimeUnit.SECONDS).getKv().getValue().toString(StandardCharsets.UTF_8))
                .isEqualTo("a");
        assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("a");

        CompletableFuture<CampaignResponse> b = election.campaign(bs("leader"), lease(60), bs("b"));
        awaitKeys("leader/", 2);
        election.proclaim(ka, bs("a2")).get(30, TimeUnit.SECONDS);
        assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("a2");
        assertThat(b).isNotDone();

        election.resign(ka).get(30, TimeUnit.SECONDS);
        CampaignResponse won = b.get(30, TimeUnit.SECONDS);
        assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("b");
        assertThat(election.leader(bs("leader")).get(30, TimeUnit.SECONDS).getKv().getValue().toString(StandardCharsets.UTF_8))
                .isEqualTo("b");
        // The resigned leader's key no longer leads (jetcd knows etcd's "election: not leader").
        assertThatThrownBy(() -> election.proclaim(ka, bs("stale")).get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(io.etcd.jetcd.election.NotLeaderException.class);
        election.resign(won.getLeader()).get(30, TimeUnit.SECONDS);
        assertThat(keysUnder("leader/")).isZero();
    }

    @Test
    void electionErrorsAreEtcds() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
        try {
            ElectionGrpc.ElectionBlockingStub e = ElectionGrpc.newBlockingStub(channel);
            assertThatThrownBy(() -> e.proclaim(ProclaimRequest.newBuilder().setValue(pb("v")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, x -> {
                        assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(x.getStatus().getDescription()).isEqualTo("\"leader\" field must be provided");
                    });
            assertThatThrownBy(() -> e.leader(LeaderRequest.newBuilder().setName(pb("nobody")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, x -> {
                        assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(x.getStatus().getDescription()).isEqualTo("election: no leader");
                    });
            // Nothing was written by the refused calls.
            var kv = io.etch.api.etcdserverpb.KVGrpc.newBlockingStub(channel);
            assertThat(kv.range(RangeRequest.newBuilder().setKey(pb("nobody/"))
                    .setRangeEnd(pb("nobody0")).build()).getCount()).isZero();
        } finally {
            channel.shutdownNow();
        }
    }
}
