package io.etch.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseLeasesRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Lease API against one member through jetcd (and Etch's stubs where jetcd has no option). */
class LeaseApiTest {

    private static EtchCluster cluster;
    private static Client client;
    private static KV kv;
    private static Lease lease;
    private static ManagedChannel channel;
    private static int testNo;
    private String p;

    @BeforeAll
    static void start() throws Exception {
        cluster = EtchCluster.start(1);
        client = Client.builder().endpoints(cluster.endpoints()).build();
        kv = client.getKVClient();
        lease = client.getLeaseClient();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @BeforeEach
    void prefix() {
        p = "/lease" + (++testNo) + "/";
    }

    static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private long grant(long ttl) throws Exception {
        return lease.grant(ttl).get(10, TimeUnit.SECONDS).getID();
    }

    private void put(String key, long leaseId) throws Exception {
        kv.put(bs(key), bs("v"), PutOption.builder().withLeaseId(leaseId).build()).get(10, TimeUnit.SECONDS);
    }

    private List<String> attachedKeys(long id) throws Exception {
        return lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get(10, TimeUnit.SECONDS)
                .getKeys().stream().map(k -> k.toString(UTF_8)).toList();
    }

    private boolean exists(String key) throws Exception {
        return kv.get(bs(key)).get(10, TimeUnit.SECONDS).getCount() > 0;
    }

    private static Status.Code code(ExecutionException e) {
        return Status.fromThrowable(e.getCause()).getCode();
    }

    private static String message(Throwable e) {
        return Status.fromThrowable(e instanceof ExecutionException ? e.getCause() : e).getDescription();
    }

    @Test
    void grantReturnsUniqueIdsAndTheTtl() throws Exception {
        var a = lease.grant(30).get();
        var b = lease.grant(30).get();
        assertThat(a.getID()).isPositive().isNotEqualTo(b.getID());
        assertThat(a.getTTL()).isEqualTo(30);
        assertThat(a.getHeader().getRevision()).isPositive();
    }

    @Test
    void grantBelowTheMinimumTtlGetsTheMinimum() throws Exception {
        // heartbeat 50 ms, election 500 ms: 1.5 election timeouts rounded up to whole seconds.
        assertThat(lease.grant(0).get().getTTL()).isEqualTo(1);
        assertThat(lease.grant(-5).get().getTTL()).isEqualTo(1);
    }

    @Test
    void grantWithClientChosenIdAndDuplicate() {
        var stub = LeaseGrpc.newBlockingStub(channel);
        long id = 0x7e57_0000_0000_0000L + testNo;
        var r = stub.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(60).build());
        assertThat(r.getID()).isEqualTo(id);
        assertThat(r.getTTL()).isEqualTo(60);
        assertThatThrownBy(() -> stub.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(60).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: lease already exists");
                });
    }

    @Test
    void grantWithTooLargeTtlFails() {
        assertThatThrownBy(() -> lease.grant(9_000_000_001L).get())
                .isInstanceOfSatisfying(ExecutionException.class, e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.OUT_OF_RANGE);
                    assertThat(message(e)).isEqualTo("etcdserver: too large lease TTL");
                });
    }

    @Test
    void revokeDeletesAllAttachedKeysInOneRevision() throws Exception {
        long id = grant(60);
        put(p + "a", id);
        put(p + "b", id);
        put(p + "c", 0);
        long before = kv.get(bs(p + "c")).get().getHeader().getRevision();
        long rev = lease.revoke(id).get().getHeader().getRevision();
        assertThat(rev).isEqualTo(before + 1);
        var all = kv.get(bs(p), GetOption.builder().isPrefix(true).build()).get();
        assertThat(all.getKvs()).extracting(k -> k.getKey().toString(UTF_8)).containsExactly(p + "c");
        assertThat(lease.timeToLive(id, LeaseOption.DEFAULT).get().getTTL()).isEqualTo(-1);
    }

    @Test
    void revokeOfUnknownLeaseIsNotFound() {
        assertThatThrownBy(() -> lease.revoke(0x1234_5678L).get())
                .isInstanceOfSatisfying(ExecutionException.class, e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(message(e)).isEqualTo("etcdserver: requested lease not found");
                });
    }

    @Test
    void putWithUnknownLeaseIsNotFound() {
        assertThatThrownBy(() -> put(p + "x", 0x4242_4242L))
                .isInstanceOfSatisfying(ExecutionException.class, e ->
                        assertThat(message(e)).isEqualTo("etcdserver: requested lease not found"));
    }

    @Test
    void timeToLiveShowsRemainingGrantedAndKeys() throws Exception {
        long id = grant(60);
        put(p + "b", id);
        put(p + "a", id);
        LeaseTimeToLiveResponse r = lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get();
        assertThat(r.getGrantedTTL()).isEqualTo(60);
        assertThat(r.getTTL()).isBetween(55L, 60L);
        assertThat(r.getKeys()).extracting(k -> k.toString(UTF_8)).containsExactly(p + "a", p + "b");
    }

    @Test
    void timeToLiveOfUnknownLeaseIsMinusOne() throws Exception {
        LeaseTimeToLiveResponse r = lease.timeToLive(0x5555L, LeaseOption.DEFAULT).get();
        assertThat(r.getTTL()).isEqualTo(-1);
        assertThat(r.getGrantedTTL()).isZero();
    }

    @Test
    void leasesListsEveryLease() throws Exception {
        long a = grant(60);
        long b = grant(60);
        var ids = LeaseGrpc.newBlockingStub(channel).leaseLeases(LeaseLeasesRequest.getDefaultInstance())
                .getLeasesList().stream().map(l -> l.getID()).toList();
        assertThat(ids).contains(a, b);
    }

    @Test
    void rePutMovesKeyBetweenLeasesAndIgnoreLeaseKeepsIt() throws Exception {
        long a = grant(60);
        long b = grant(60);
        put(p + "k", a);
        assertThat(attachedKeys(a)).containsExactly(p + "k");
        put(p + "k", b);
        assertThat(attachedKeys(a)).isEmpty();
        assertThat(attachedKeys(b)).containsExactly(p + "k");
        KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(p + "k")).setValue(ByteString.copyFromUtf8("v2")).setIgnoreLease(true).build());
        assertThat(attachedKeys(b)).containsExactly(p + "k");
        assertThat(kv.get(bs(p + "k")).get().getKvs().get(0).getLease()).isEqualTo(b);
        put(p + "k", 0);
        assertThat(attachedKeys(b)).isEmpty();
        put(p + "k", a);
        kv.delete(bs(p + "k")).get();
        assertThat(attachedKeys(a)).isEmpty();
        // Revoking now must not delete the key re-created without a lease.
        put(p + "k", 0);
        lease.revoke(a).get();
        assertThat(exists(p + "k")).isTrue();
    }

    @Test
    void txnPutAttachesAndComparesOnLease() throws Exception {
        long id = grant(60);
        var r = kv.txn().If().Then(Op.put(bs(p + "t"), bs("v"), PutOption.builder().withLeaseId(id).build())).commit().get();
        assertThat(r.isSucceeded()).isTrue();
        assertThat(attachedKeys(id)).containsExactly(p + "t");
        var cmp = KVGrpc.newBlockingStub(channel).txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder()
                .setKey(ByteString.copyFromUtf8(p + "t")).setTarget(Compare.CompareTarget.LEASE)
                .setResult(Compare.CompareResult.EQUAL).setLease(id)).build());
        assertThat(cmp.getSucceeded()).isTrue();
    }

    @Test
    void expiryDeletesAttachedKeys() throws Exception {
        long id = grant(1);
        put(p + "gone", id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (exists(p + "gone") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(exists(p + "gone")).isFalse();
        assertThat(lease.timeToLive(id, LeaseOption.DEFAULT).get().getTTL()).isEqualTo(-1);
    }

    @Test
    void keepAliveKeepsKeysAlive() throws Exception {
        long id = grant(1);
        put(p + "alive", id);
        List<Long> ttls = new ArrayList<>();
        try (CloseableClient keeper = lease.keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse r) {
                synchronized (ttls) {
                    ttls.add(r.getTTL());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        })) {
            Thread.sleep(3000);
            assertThat(exists(p + "alive")).isTrue();
        }
        synchronized (ttls) {
            assertThat(ttls).isNotEmpty().allMatch(t -> t == 1);
        }
    }

    @Test
    void keepAliveOnceRenews() throws Exception {
        long id = grant(20);
        var r = lease.keepAliveOnce(id).get();
        assertThat(r.getID()).isEqualTo(id);
        assertThat(r.getTTL()).isEqualTo(20);
    }

    @Test
    void keepAliveOfUnknownLeaseAnswersTtlZeroOnTheSameStream() throws Exception {
        long id = grant(20);
        LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        var requests = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                answers.add(r);
            }

            @Override
            public void onError(Throwable t) {
                answers.add(t);
            }

            @Override
            public void onCompleted() {
                answers.add("completed");
            }
        });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(0x9999L).build());
        Object first = answers.poll(10, TimeUnit.SECONDS);
        assertThat(first).isInstanceOfSatisfying(LeaseKeepAliveResponse.class, r -> {
            assertThat(r.getID()).isEqualTo(0x9999L);
            assertThat(r.getTTL()).isZero();
        });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        Object second = answers.poll(10, TimeUnit.SECONDS);
        assertThat(second).isInstanceOfSatisfying(LeaseKeepAliveResponse.class, r -> assertThat(r.getTTL()).isEqualTo(20));
        requests.onCompleted();
        assertThat(answers.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    @Test
    void seedLockPatternGivesMutualExclusion() throws Exception {
        String lockKey = p + "lock/job9";
        int contenders = 8;
        List<java.util.concurrent.CompletableFuture<Boolean>> attempts = new ArrayList<>();
        List<Long> leases = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            leases.add(grant(10));
        }
        for (int i = 0; i < contenders; i++) {
            long id = leases.get(i);
            attempts.add(kv.txn()
                    .If(new Cmp(bs(lockKey), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(bs(lockKey), bs("holder" + i), PutOption.builder().withLeaseId(id).build()))
                    .Else(Op.get(bs(lockKey), GetOption.DEFAULT))
                    .commit()
                    .thenApply(r -> r.isSucceeded()));
        }
        int winners = 0;
        int winner = -1;
        for (int i = 0; i < contenders; i++) {
            if (attempts.get(i).get(10, TimeUnit.SECONDS)) {
                winners++;
                winner = i;
            }
        }
        assertThat(winners).isEqualTo(1);
        assertThat(kv.get(bs(lockKey)).get().getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("holder" + winner);
        // The holder dies (its lease is revoked): the lock is free for the next contender.
        lease.revoke(leases.get(winner)).get();
        int next = (winner + 1) % contenders;
        var retry = kv.txn()
                .If(new Cmp(bs(lockKey), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(bs(lockKey), bs("holder" + next), PutOption.builder().withLeaseId(leases.get(next)).build()))
                .commit().get();
        assertThat(retry.isSucceeded()).isTrue();
    }
}
