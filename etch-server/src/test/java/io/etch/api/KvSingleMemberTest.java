package io.etch.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The KV API against one member, through real clients over sockets: jetcd for what it exposes,
 * and Etch's own generated stubs for request fields jetcd has no option for.
 */
class KvSingleMemberTest {

    private static EtchCluster cluster;
    private static Client client;
    private static KV kv;
    private static ManagedChannel channel;
    private static KVGrpc.KVBlockingStub stub;
    private static int testNo;
    private String p;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = EtchCluster.start(1);
        client = Client.builder().endpoints(cluster.endpoints()).build();
        kv = client.getKVClient();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
        stub = KVGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @BeforeEach
    void prefix() {
        p = "/t" + (++testNo) + "/";
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private long put(String key, String value) throws Exception {
        return kv.put(bs(key), bs(value)).get().getHeader().getRevision();
    }

    private static List<String> keys(GetResponse r) {
        return r.getKvs().stream().map(k -> k.getKey().toString(UTF_8)).toList();
    }

    private static StatusRuntimeException grpcError(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected an error");
    }

    @Test
    void putThenGetReturnsValueWithRevisionsAndVersion() throws Exception {
        long rev = put(p + "a", "1");
        GetResponse r = kv.get(bs(p + "a")).get();
        assertThat(r.getCount()).isEqualTo(1);
        var got = r.getKvs().get(0);
        assertThat(got.getValue().toString(UTF_8)).isEqualTo("1");
        assertThat(got.getCreateRevision()).isEqualTo(rev);
        assertThat(got.getModRevision()).isEqualTo(rev);
        assertThat(got.getVersion()).isEqualTo(1);
        long rev2 = put(p + "a", "2");
        assertThat(rev2).isEqualTo(rev + 1);
        var again = kv.get(bs(p + "a")).get().getKvs().get(0);
        assertThat(again.getVersion()).isEqualTo(2);
        assertThat(again.getCreateRevision()).isEqualTo(rev);
        assertThat(again.getModRevision()).isEqualTo(rev2);
    }

    @Test
    void headerCarriesClusterAndMemberIds() throws Exception {
        PutResponse r = kv.put(bs(p + "k"), bs("v")).get();
        assertThat(r.getHeader().getClusterId()).isEqualTo(cluster.clusterId());
        assertThat(r.getHeader().getMemberId()).isEqualTo(cluster.memberId(0));
        assertThat(r.getHeader().getRaftTerm()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void putWithPrevKvReturnsPreviousValue() throws Exception {
        put(p + "a", "old");
        PutResponse r = kv.put(bs(p + "a"), bs("new"), PutOption.builder().withPrevKV().build()).get();
        assertThat(r.hasPrevKv()).isTrue();
        assertThat(r.getPrevKv().getValue().toString(UTF_8)).isEqualTo("old");
    }

    @Test
    void prefixFromKeyAndLimit() throws Exception {
        for (String k : List.of("a", "b", "c", "d")) {
            put(p + k, k);
        }
        GetResponse all = kv.get(bs(p), GetOption.builder().isPrefix(true).build()).get();
        assertThat(keys(all)).containsExactly(p + "a", p + "b", p + "c", p + "d");
        GetResponse limited = kv.get(bs(p), GetOption.builder().isPrefix(true).withLimit(2).build()).get();
        assertThat(keys(limited)).containsExactly(p + "a", p + "b");
        assertThat(limited.isMore()).isTrue();
        assertThat(limited.getCount()).isEqualTo(4);
        GetResponse fromKey = kv.get(bs(p + "c"),
                GetOption.builder().withRange(ByteSequence.from(new byte[] {0})).build()).get();
        assertThat(keys(fromKey)).startsWith(p + "c", p + "d");
        GetResponse range = kv.get(bs(p + "b"), GetOption.builder().withRange(bs(p + "d")).build()).get();
        assertThat(keys(range)).containsExactly(p + "b", p + "c");
    }

    @Test
    void sortByTargetAndOrder() throws Exception {
        put(p + "a", "3");
        put(p + "b", "1");
        put(p + "c", "2");
        GetResponse byValue = kv.get(bs(p), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.VALUE).withSortOrder(GetOption.SortOrder.DESCEND).build()).get();
        assertThat(keys(byValue)).containsExactly(p + "a", p + "c", p + "b");
        GetResponse byKeyDesc = kv.get(bs(p), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND).withLimit(2).build()).get();
        assertThat(keys(byKeyDesc)).containsExactly(p + "c", p + "b");
        assertThat(byKeyDesc.isMore()).isTrue();
        GetResponse byModNoOrder = kv.get(bs(p), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.MOD).build()).get();
        assertThat(keys(byModNoOrder)).containsExactly(p + "a", p + "b", p + "c");
    }

    @Test
    void keysOnlyAndCountOnly() throws Exception {
        put(p + "a", "x");
        put(p + "b", "y");
        GetResponse keysOnly = kv.get(bs(p), GetOption.builder().isPrefix(true).withKeysOnly(true).build()).get();
        assertThat(keysOnly.getKvs()).allSatisfy(k -> assertThat(k.getValue().isEmpty()).isTrue());
        GetResponse countOnly = kv.get(bs(p), GetOption.builder().isPrefix(true).withCountOnly(true).build()).get();
        assertThat(countOnly.getKvs()).isEmpty();
        assertThat(countOnly.getCount()).isEqualTo(2);
    }

    @Test
    void readAtPastRevisionSeesOldValue() throws Exception {
        long first = put(p + "a", "v1");
        put(p + "a", "v2");
        GetResponse old = kv.get(bs(p + "a"), GetOption.builder().withRevision(first).build()).get();
        assertThat(old.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("v1");
    }

    @Test
    void minMaxModAndCreateRevisionFilters() throws Exception {
        long ra = put(p + "a", "1");
        long rb = put(p + "b", "1");
        put(p + "a", "2");
        GetResponse minMod = kv.get(bs(p), GetOption.builder().isPrefix(true).withMinModRevision(rb).build()).get();
        assertThat(keys(minMod)).containsExactly(p + "a", p + "b");
        GetResponse maxMod = kv.get(bs(p), GetOption.builder().isPrefix(true).withMaxModRevision(rb).build()).get();
        assertThat(keys(maxMod)).containsExactly(p + "b");
        GetResponse maxCreate = kv.get(bs(p), GetOption.builder().isPrefix(true).withMaxCreateRevision(ra).build()).get();
        assertThat(keys(maxCreate)).containsExactly(p + "a");
        GetResponse minCreate = kv.get(bs(p), GetOption.builder().isPrefix(true).withMinCreateRevision(rb).build()).get();
        assertThat(keys(minCreate)).containsExactly(p + "b");
    }

    @Test
    void serializableReadIsServedLocally() throws Exception {
        put(p + "a", "1");
        GetResponse r = kv.get(bs(p + "a"), GetOption.builder().withSerializable(true).build()).get();
        assertThat(r.getCount()).isEqualTo(1);
    }

    @Test
    void deleteSingleRangeAndPrevKv() throws Exception {
        for (String k : List.of("a", "b", "c")) {
            put(p + k, k);
        }
        assertThat(kv.delete(bs(p + "a")).get().getDeleted()).isEqualTo(1);
        var r = kv.delete(bs(p), DeleteOption.builder().isPrefix(true).withPrevKV(true).build()).get();
        assertThat(r.getDeleted()).isEqualTo(2);
        assertThat(r.getPrevKvs()).extracting(k -> k.getValue().toString(UTF_8)).containsExactly("b", "c");
        assertThat(kv.get(bs(p), GetOption.builder().isPrefix(true).build()).get().getCount()).isZero();
    }

    @Test
    void deletingNothingDoesNotBumpRevision() throws Exception {
        long rev = put(p + "a", "1");
        var r = kv.delete(bs(p + "missing")).get();
        assertThat(r.getDeleted()).isZero();
        assertThat(r.getHeader().getRevision()).isEqualTo(rev);
    }

    @Test
    void txnTakesSuccessBranchWhenCompareHolds() throws Exception {
        var r = kv.txn().If(new Cmp(bs(p + "lock"), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(bs(p + "lock"), bs("me"), PutOption.DEFAULT))
                .Else(Op.get(bs(p + "lock"), GetOption.DEFAULT))
                .commit().get();
        assertThat(r.isSucceeded()).isTrue();
        var second = kv.txn().If(new Cmp(bs(p + "lock"), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(bs(p + "lock"), bs("other"), PutOption.DEFAULT))
                .Else(Op.get(bs(p + "lock"), GetOption.DEFAULT))
                .commit().get();
        assertThat(second.isSucceeded()).isFalse();
        assertThat(second.getGetResponses().get(0).getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("me");
    }

    @Test
    void txnWritesShareOneRevision() throws Exception {
        long before = put(p + "x", "0");
        TxnResponse r = stub.txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "a")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "b")).setValue(b("2"))))
                .build());
        assertThat(r.getHeader().getRevision()).isEqualTo(before + 1);
        RangeResponse range = stub.range(RangeRequest.newBuilder().setKey(b(p + "a")).setRangeEnd(b(p + "c")).build());
        assertThat(range.getKvsList()).allSatisfy(k -> assertThat(k.getModRevision()).isEqualTo(before + 1));
    }

    @Test
    void txnCompareOnValueVersionAndModRevision() throws Exception {
        long rev = put(p + "a", "v");
        var ok = kv.txn().If(
                        new Cmp(bs(p + "a"), Cmp.Op.EQUAL, CmpTarget.value(bs("v"))),
                        new Cmp(bs(p + "a"), Cmp.Op.EQUAL, CmpTarget.version(1)),
                        new Cmp(bs(p + "a"), Cmp.Op.LESS, CmpTarget.modRevision(rev + 1)),
                        new Cmp(bs(p + "a"), Cmp.Op.GREATER, CmpTarget.createRevision(rev - 1)))
                .Then(Op.put(bs(p + "b"), bs("yes"), PutOption.DEFAULT)).commit().get();
        assertThat(ok.isSucceeded()).isTrue();
        var notEqual = stub.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder()
                .setKey(b(p + "a")).setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.NOT_EQUAL).setValue(b("v"))).build());
        assertThat(notEqual.getSucceeded()).isFalse();
    }

    @Test
    void txnCompareOverARangeRequiresEveryKey() throws Exception {
        put(p + "a", "1");
        put(p + "b", "1");
        Compare.Builder allVersionOne = Compare.newBuilder().setKey(b(p)).setRangeEnd(b(p.substring(0, p.length() - 1) + "0"))
                .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).setVersion(1);
        assertThat(stub.txn(TxnRequest.newBuilder().addCompare(allVersionOne).build()).getSucceeded()).isTrue();
        put(p + "b", "2");
        assertThat(stub.txn(TxnRequest.newBuilder().addCompare(allVersionOne).build()).getSucceeded()).isFalse();
    }

    @Test
    void txnCompareOnLease() throws Exception {
        put(p + "a", "1");
        var r = stub.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey(b(p + "a"))
                .setTarget(Compare.CompareTarget.LEASE).setResult(Compare.CompareResult.EQUAL).setLease(0)).build());
        assertThat(r.getSucceeded()).isTrue();
    }

    @Test
    void nestedTxn() throws Exception {
        TxnRequest inner = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "inner")).setValue(b("1"))))
                .build();
        TxnResponse r = stub.txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner)).build());
        assertThat(r.getResponses(0).getResponseTxn().getSucceeded()).isTrue();
        assertThat(kv.get(bs(p + "inner")).get().getCount()).isEqualTo(1);
    }

    @Test
    void ignoreValueKeepsValueAndIgnoreLeaseKeepsLease() throws Exception {
        put(p + "a", "keep");
        stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setIgnoreValue(true).build());
        var got = kv.get(bs(p + "a")).get().getKvs().get(0);
        assertThat(got.getValue().toString(UTF_8)).isEqualTo("keep");
        assertThat(got.getVersion()).isEqualTo(2);
        stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setValue(b("new")).setIgnoreLease(true).build());
        assertThat(kv.get(bs(p + "a")).get().getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("new");
    }

    @Test
    void errorsMatchEtcd() {
        assertError(() -> stub.put(PutRequest.newBuilder().setValue(b("v")).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        assertError(() -> stub.range(RangeRequest.newBuilder().build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        assertError(() -> stub.deleteRange(DeleteRangeRequest.newBuilder().build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        assertError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "missing")).setIgnoreValue(true).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: key not found");
        assertError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setValue(b("v")).setIgnoreValue(true).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided");
        assertError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setLease(5).setIgnoreLease(true).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
        assertError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setLease(12345).build()),
                Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
        assertError(() -> stub.range(RangeRequest.newBuilder().setKey(b(p)).setRevision(1_000_000).build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
        TxnRequest.Builder tooMany = TxnRequest.newBuilder();
        for (int i = 0; i < 129; i++) {
            tooMany.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + i)).setValue(b("v"))));
        }
        assertError(() -> stub.txn(tooMany.build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request");
        TxnRequest duplicate = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "d")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "d")).setValue(b("2"))))
                .build();
        assertError(() -> stub.txn(duplicate),
                Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
        byte[] big = new byte[1572864 + 100];
        assertError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "big")).setValue(ByteString.copyFrom(big)).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    }

    @Test
    void refusedRequestsWriteNothing() throws Exception {
        long rev = put(p + "a", "1");
        grpcError(() -> stub.put(PutRequest.newBuilder().setKey(b(p + "a")).setLease(777).build()));
        TxnRequest failing = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "b")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "c")).setLease(777)))
                .build();
        grpcError(() -> stub.txn(failing));
        GetResponse r = kv.get(bs(p), GetOption.builder().isPrefix(true).build()).get();
        assertThat(keys(r)).containsExactly(p + "a");
        assertThat(r.getHeader().getRevision()).isEqualTo(rev);
    }

    @Test
    void compactionMakesOldRevisionsUnreadable() throws Exception {
        long r1 = put(p + "a", "1");
        long r2 = put(p + "a", "2");
        put(p + "a", "3");
        kv.compact(r2, CompactOption.builder().withCompactPhysical(true).build()).get();
        assertError(() -> stub.range(RangeRequest.newBuilder().setKey(b(p + "a")).setRevision(r1).build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
        var atCompacted = kv.get(bs(p + "a"), GetOption.builder().withRevision(r2).build()).get();
        assertThat(atCompacted.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("2");
        assertError(() -> stub.compact(CompactionRequest.newBuilder().setRevision(r1).build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
        assertError(() -> stub.compact(CompactionRequest.newBuilder().setRevision(10_000_000).build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void readOnlyTxnComparesAndReadsOneRevisionWithoutARaftEntry() throws Exception {
        long r1 = put(p + "a", "1");
        put(p + "b", "2");
        long raftIndex = cluster.member(0).server().status().getRaftIndex();
        TxnResponse t = stub.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b(p + "a")).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL).setModRevision(r1))
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(p + "a"))))
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
                        .setKey(b(p)).setRangeEnd(b(p + "z")).setCountOnly(true)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(p + "b"))))
                .build());
        assertThat(t.getSucceeded()).isTrue();
        assertThat(t.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(b("1"));
        assertThat(t.getResponses(1).getResponseRange().getCount()).isEqualTo(2);
        assertThat(t.getHeader().getRevision()).isEqualTo(cluster.member(0).server().currentRevision());
        assertThat(t.getResponses(0).getResponseRange().getHeader())
                .as("nested headers carry only the revision, as etcd's")
                .isEqualTo(ResponseHeader.newBuilder().setRevision(t.getHeader().getRevision()).build());
        assertThat(cluster.member(0).server().status().getRaftIndex()).as("no Raft entry for a read").isEqualTo(raftIndex);

        TxnResponse failed = stub.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b(p + "a")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(b("nope")))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(p + "b"))))
                .build());
        assertThat(failed.getSucceeded()).isFalse();
        assertThat(failed.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(b("2"));
    }

    @Test
    void readOnlyTxnWithAFutureRevisionFailsAsEtcd() {
        assertError(() -> stub.txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
                                .setKey(b(p + "a")).setRevision(10_000_000)))
                        .build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    }

    /**
     * Reads and writes interleaved from many clients: each read round and proposal starts when the
     * previous one completes, which once happened on Ratis' apply thread and deadlocked it.
     */
    @Test
    void interleavedReadsTxnsAndWritesFromManyClientsAllComplete() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 32; c++) {
            int client = c;
            done.add(pool.submit(() -> {
                KVGrpc.KVBlockingStub s = stub.withDeadlineAfter(60, TimeUnit.SECONDS);
                for (int i = 0; i < 100; i++) {
                    String key = p + (client * 100 + i) % 50;
                    switch (i % 3) {
                        case 0 -> s.put(PutRequest.newBuilder().setKey(b(key)).setValue(b("v" + i)).build());
                        case 1 -> s.range(RangeRequest.newBuilder().setKey(b(key)).build());
                        default -> s.txn(TxnRequest.newBuilder()
                                .addCompare(Compare.newBuilder().setKey(b(key)).setTarget(Compare.CompareTarget.VERSION)
                                        .setResult(Compare.CompareResult.GREATER).setVersion(0))
                                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(key))))
                                .build());
                    }
                }
                return null;
            }));
        }
        for (var f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }

    @Test
    void jetcdSurfacesEtcdErrorText() {
        assertThatThrownBy(() -> kv.get(bs(p), GetOption.builder().withRevision(9_999_999).build()).get())
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("required revision is a future revision");
    }

    @Test
    void healthAndVersionShareTheClientPort() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var health = http.send(HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"health\":\"true\"");
        var version = http.send(HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + "/version")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(version.body()).contains("\"etcdserver\":\"3.5").contains("\"etcdcluster\":\"3.5.0\"");
    }

    private static void assertError(Runnable call, Status.Code code, String message) {
        StatusRuntimeException e = grpcError(call);
        assertThat(e.getStatus().getCode()).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).isEqualTo(message);
    }
}
