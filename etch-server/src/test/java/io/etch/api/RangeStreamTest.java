package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RangeStreamResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.metrics.EtchMetrics;
import io.etch.testing.EtchCluster;
import io.etch.testing.Eventually;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import com.google.common.util.concurrent.ListenableFuture;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.7's KV.RangeStream against a real member over gRPC: its messages, merged in order, are
 * the unary Range response; it refuses what it cannot stream; it ends with COMPACTED when its
 * revision goes; and a client that does not read holds the server to a bounded amount of data.
 */
class RangeStreamTest {

    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});
    private static final int BIG_VALUE = 300 * 1024;

    private static EtchCluster cluster;
    private static ManagedChannel channel;
    private static KVGrpc.KVBlockingStub stub;
    /** The store's revision after the small keys were created, before any was changed. */
    private static long createdRev;
    /** The create revision of the third group of small keys. */
    private static long thirdGroupRev;
    /** The store's revision after the first round of updates. */
    private static long updatedRev;

    @BeforeAll
    static void start() throws Exception {
        cluster = EtchCluster.start(1);
        channel = channel(cluster);
        stub = KVGrpc.newBlockingStub(channel);
        // eq/k000..eq/k099 in ten txns (ten create revisions), then updates and deletes in between.
        for (int g = 0; g < 10; g++) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int i = g * 10; i < g * 10 + 10; i++) {
                txn.addSuccess(putOp(String.format("eq/k%03d", i), b("v" + i)));
            }
            long rev = stub.txn(txn.build()).getHeader().getRevision();
            if (g == 2) {
                thirdGroupRev = rev;
            }
        }
        createdRev = stub.range(RangeRequest.newBuilder().setKey(b("eq/k000")).build()).getHeader().getRevision();
        for (int i = 0; i < 20; i++) {
            stub.put(put(String.format("eq/k%03d", i), b("updated" + i)));
        }
        updatedRev = stub.range(RangeRequest.newBuilder().setKey(b("eq/k000")).build()).getHeader().getRevision();
        stub.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("eq/k050")).setRangeEnd(b("eq/k060")).build());
        for (int i = 10; i < 15; i++) {
            stub.put(put(String.format("eq/k%03d", i), b("again" + i)));
        }
        // Large values: several pieces of about 1 MiB each.
        for (int i = 0; i < 12; i++) {
            stub.put(put(String.format("eq/big/%02d", i), value(i, BIG_VALUE)));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    private static ManagedChannel channel(EtchCluster c) {
        return channel(c, 0);
    }

    private static ManagedChannel channel(EtchCluster c, int member) {
        return NettyChannelBuilder.forAddress("127.0.0.1", c.clientPort(member)).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static ByteString value(int seed, int size) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) ('a' + seed % 26));
        return ByteString.copyFrom(v);
    }

    private static PutRequest put(String key, ByteString value) {
        return PutRequest.newBuilder().setKey(b(key)).setValue(value).build();
    }

    private static RequestOp putOp(String key, ByteString value) {
        return RequestOp.newBuilder().setRequestPut(put(key, value)).build();
    }

    private static RangeRequest.Builder key(String key) {
        return RangeRequest.newBuilder().setKey(b(key));
    }

    private static RangeRequest.Builder range(String key, String end) {
        return key(key).setRangeEnd(b(end));
    }

    private static RangeRequest.Builder prefix(String prefix) {
        byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return key(prefix).setRangeEnd(ByteString.copyFrom(end));
    }

    private static List<RangeStreamResponse> stream(KVGrpc.KVBlockingStub kv, RangeRequest r) {
        List<RangeStreamResponse> messages = new ArrayList<>();
        kv.rangeStream(r).forEachRemaining(messages::add);
        return messages;
    }

    private static RangeResponse merged(List<RangeStreamResponse> messages) {
        RangeResponse.Builder b = RangeResponse.newBuilder();
        messages.forEach(m -> b.mergeFrom(m.getRangeResponse()));
        return b.build();
    }

    private static void expect(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    @Test
    void mergedStreamEqualsTheUnaryRangeForEveryOption() {
        long all = stub.range(prefix("eq/").setCountOnly(true).build()).getCount();
        List<RangeRequest> variants = List.of(
                key("eq/k005").build(),
                key("eq/k015").build(),
                key("eq/k055").build(), // deleted
                key("eq/none").build(),
                prefix("eq/").build(),
                prefix("eq/k").build(),
                prefix("eq/big/").build(),
                key("eq/k050").setRangeEnd(FROM_KEY).build(),
                key("\0").setRangeEnd(FROM_KEY).build(),
                range("eq/k010", "eq/k020").build(),
                range("eq/k020", "eq/k010").build(), // end before key: nothing
                prefix("eq/").setLimit(1).build(),
                prefix("eq/").setLimit(7).build(),
                prefix("eq/").setLimit(all).build(),
                prefix("eq/").setLimit(all - 1).build(),
                prefix("eq/").setLimit(all + 1).build(),
                prefix("eq/big/").setLimit(5).build(),
                prefix("eq/").setKeysOnly(true).build(),
                prefix("eq/").setKeysOnly(true).setLimit(3).build(),
                prefix("eq/").setCountOnly(true).build(),
                prefix("eq/").setCountOnly(true).setLimit(3).build(),
                prefix("eq/k").setMinModRevision(createdRev + 1).build(),
                prefix("eq/k").setMaxModRevision(createdRev).build(),
                prefix("eq/k").setMinModRevision(createdRev + 1).setLimit(3).build(),
                prefix("eq/k").setMaxModRevision(createdRev).setLimit(50).build(),
                prefix("eq/k").setMinCreateRevision(thirdGroupRev).build(),
                prefix("eq/k").setMaxCreateRevision(thirdGroupRev).build(),
                prefix("eq/k").setMinCreateRevision(thirdGroupRev).setMaxCreateRevision(thirdGroupRev).setLimit(4).build(),
                prefix("eq/k").setMinCreateRevision(thirdGroupRev).setMinModRevision(updatedRev).build(),
                prefix("eq/").setRevision(createdRev).build(),
                prefix("eq/").setRevision(updatedRev).setLimit(25).build(),
                prefix("eq/k").setRevision(createdRev).setMaxModRevision(thirdGroupRev).build(),
                key("eq/k055").setRevision(createdRev).build(),
                prefix("eq/").setSerializable(true).build(),
                prefix("eq/").setSerializable(true).setLimit(10).setKeysOnly(true).build(),
                prefix("eq/").setSortOrder(RangeRequest.SortOrder.ASCEND).setLimit(5).build(),
                prefix("eq/").setSortOrder(RangeRequest.SortOrder.ASCEND).setSortTarget(RangeRequest.SortTarget.KEY).build());
        for (RangeRequest r : variants) {
            assertThat(merged(stream(stub, r))).as("%s", r).isEqualTo(stub.range(r));
        }
    }

    @Test
    void headerComesFirstRevisionWithTheFirstPieceCountAndMoreWithTheLast() {
        RangeRequest r = prefix("eq/big/").setLimit(10).build();
        List<RangeStreamResponse> messages = stream(stub, r);
        RangeResponse unary = stub.range(r);
        assertThat(messages.size()).as("header and several pieces of about 1 MiB").isGreaterThanOrEqualTo(4);

        RangeResponse header = messages.get(0).getRangeResponse();
        assertThat(header.getKvsCount()).isZero();
        assertThat(header.getHeader().getClusterId()).isEqualTo(cluster.clusterId());
        assertThat(header.getHeader().getMemberId()).isEqualTo(cluster.memberId(0));
        assertThat(header.getHeader().getRaftTerm()).isEqualTo(unary.getHeader().getRaftTerm());
        assertThat(header.getHeader().getRevision()).isZero();

        assertThat(messages.get(1).getRangeResponse().getHeader().getRevision()).isEqualTo(unary.getHeader().getRevision());
        for (RangeStreamResponse m : messages.subList(1, messages.size() - 1)) {
            assertThat(m.getRangeResponse().getKvsCount()).isPositive();
            assertThat(m.getRangeResponse().getCount()).isZero();
            assertThat(m.getRangeResponse().getMore()).isFalse();
            assertThat(m.getSerializedSize()).isLessThan(1024 * 1024 + BIG_VALUE + 1024);
        }
        RangeResponse last = messages.get(messages.size() - 1).getRangeResponse();
        assertThat(last.getCount()).isEqualTo(12);
        assertThat(last.getMore()).isTrue();
    }

    @Test
    void sortingOtherThanByKeyAscendingIsRefused() {
        String message = "etcdserver: RangeStream returns keys in key order only; use Range to sort";
        for (RangeRequest r : List.of(
                prefix("eq/").setSortOrder(RangeRequest.SortOrder.DESCEND).build(),
                prefix("eq/").setSortOrder(RangeRequest.SortOrder.ASCEND).setSortTarget(RangeRequest.SortTarget.MOD).build(),
                // order NONE with another target sorts ascending by that target in the unary Range
                prefix("eq/").setSortTarget(RangeRequest.SortTarget.VALUE).build())) {
            expect(() -> stream(stub, r), Status.Code.INVALID_ARGUMENT, message);
        }
    }

    @Test
    void requestErrorsAreTheUnaryRangesErrors() {
        expect(() -> stream(stub, RangeRequest.newBuilder().setRangeEnd(b("z")).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        expect(() -> stream(stub, prefix("eq/").setSortOrderValue(7).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
        expect(() -> stream(stub, prefix("eq/").setRevision(1_000_000).build()),
                Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void aFollowersLinearizableStreamSeesWhatTheLeaderAcknowledged() throws Exception {
        try (EtchCluster c = EtchCluster.start(3)) {
            int leader = c.leaderIndex();
            ManagedChannel toLeader = channel(c, leader);
            ManagedChannel toFollower = channel(c, (leader + 1) % 3);
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(toLeader);
                for (int i = 0; i < 20; i++) {
                    kv.put(put(String.format("f/%02d", i), b("v" + i)));
                }
                KVGrpc.KVBlockingStub follower = KVGrpc.newBlockingStub(toFollower);
                RangeResponse streamed = merged(stream(follower, prefix("f/").build()));
                assertThat(streamed.getCount()).isEqualTo(20);
                assertThat(streamed.getHeader().getMemberId()).isEqualTo(c.memberId((leader + 1) % 3));
                assertThat(streamed).isEqualTo(follower.range(prefix("f/").build()));
            } finally {
                toLeader.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                toFollower.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aCompactedRevisionIsRefusedAtTheStart() throws Exception {
        try (EtchCluster c = EtchCluster.start(1)) {
            ManagedChannel ch = channel(c);
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                long first = kv.put(put("c/a", b("1"))).getHeader().getRevision();
                long second = kv.put(put("c/a", b("2"))).getHeader().getRevision();
                kv.compact(CompactionRequest.newBuilder().setRevision(second).build());
                expect(() -> stream(kv, prefix("c/").setRevision(first).build()),
                        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
                assertThat(merged(stream(kv, prefix("c/").setRevision(second).build())))
                        .isEqualTo(kv.range(prefix("c/").setRevision(second).build()));
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aCompactionPastThePinnedRevisionEndsTheStreamWithCompacted() throws Exception {
        try (EtchCluster c = EtchCluster.start(1)) {
            ManagedChannel ch = channel(c);
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                // 24 MiB in pieces of 1 MiB: far more than the server sends ahead of a client that waits.
                for (int i = 0; i < 48; i++) {
                    kv.put(put(String.format("c/%02d", i), value(i, 512 * 1024)));
                }
                ManualReader reader = ManualReader.start(ch, prefix("c/").build());
                reader.next(); // header
                RangeStreamResponse firstPiece = reader.next();
                long pinned = firstPiece.getRangeResponse().getHeader().getRevision();
                long later = kv.put(put("c/00", b("changed"))).getHeader().getRevision();
                kv.compact(CompactionRequest.newBuilder().setRevision(later).build());
                assertThat(later).isGreaterThan(pinned);
                assertThatThrownBy(() -> {
                    while (true) {
                        reader.next();
                    }
                }).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
                });
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * 200,000 keys of 256-byte values (over 50 MB) read by a client that stops after 4 MiB: the
     * server has then produced at most a few MiB it has not delivered, and holds no more on its
     * heap; resumed, the stream delivers the whole range; a second stream cancelled early stops.
     */
    @Test
    void aClientThatStopsReadingHoldsTheServerToABoundedAmount() throws Exception {
        int keys = 200_000;
        int perTxn = 4_000;
        long rangeBytes = (long) keys * 256;
        long bound = 8L * 1024 * 1024;
        try (EtchCluster c = EtchCluster.startWithMaxTxnOps(1, perTxn)) {
            ManagedChannel ch = channel(c);
            try {
                load(ch, keys, perTxn);
                EtchMetrics metrics = c.member(0).server().metrics();
                long heapBefore = heapAfterGc();
                long producedBefore = (long) metrics.rangeStreamBytes.get();

                ManualReader reader = ManualReader.start(ch, prefix("mem/").build());
                long pieces = 0;
                while (reader.received.get() < 4L * 1024 * 1024) {
                    reader.next();
                    pieces++;
                }
                long pausesAtStop = (long) metrics.rangeStreamPauses.get();
                // Until the server stops for the client (or, if it did not, has produced the whole range).
                Eventually.await("the server waits for the client", Duration.ofSeconds(30),
                        () -> metrics.rangeStreamPauses.get() > pausesAtStop
                                || metrics.rangeStreamBytes.get() - producedBefore >= rangeBytes);
                long heapPaused = heapAfterGc();
                long ahead = (long) metrics.rangeStreamBytes.get() - producedBefore - reader.received.get();
                assertThat(ahead).as("bytes produced but not delivered while the client waits").isLessThan(bound);
                assertThat(heapPaused - heapBefore).as("heap growth while the client waits").isLessThan(2 * bound);
                assertThat(rangeBytes).isGreaterThan(6 * bound);

                RangeResponse.Builder merged = RangeResponse.newBuilder();
                reader.drainInto(merged);
                RangeResponse all = merged.build();
                assertThat(all.getCount()).isEqualTo(keys);
                assertThat(all.getMore()).isFalse();
                assertThat(all.getKvsCount()).as("the first %d pieces were read one by one", pieces).isEqualTo(keys - reader.kvsTaken);
                assertThat(all.getKvs(all.getKvsCount() - 1).getKey()).isEqualTo(b(String.format("mem/%07d", keys - 1)));

                long producedBeforeCancel = (long) metrics.rangeStreamBytes.get();
                ManualReader cancelled = ManualReader.start(ch, prefix("mem/").build());
                cancelled.next();
                cancelled.next();
                cancelled.call.cancel("client gives up", null);
                // A unary call on the same connection after the cancel: the server goes on with other work.
                assertThat(KVGrpc.newBlockingStub(ch).range(key("mem/0000000").build()).getCount()).isEqualTo(1);
                assertThat((long) metrics.rangeStreamBytes.get() - producedBeforeCancel)
                        .as("a cancelled stream does not go on reading").isLessThan(rangeBytes / 2);
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void load(ManagedChannel ch, int keys, int perTxn) throws Exception {
        KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(ch);
        Deque<ListenableFuture<TxnResponse>> inFlight = new ArrayDeque<>();
        for (int start = 0; start < keys; start += perTxn) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int i = start; i < Math.min(keys, start + perTxn); i++) {
                txn.addSuccess(putOp(String.format("mem/%07d", i), value(i, 256)));
            }
            inFlight.add(kv.txn(txn.build()));
            if (inFlight.size() >= 4) {
                inFlight.poll().get(60, TimeUnit.SECONDS);
            }
        }
        for (ListenableFuture<TxnResponse> f : inFlight) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A RangeStream client that asks gRPC for one message at a time, when the test takes one. */
    private static final class ManualReader implements ClientResponseObserver<RangeRequest, RangeStreamResponse> {
        private static final Object DONE = new Object();
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final AtomicLong received = new AtomicLong();
        volatile ClientCallStreamObserver<RangeRequest> call;
        int kvsTaken;

        static ManualReader start(ManagedChannel ch, RangeRequest r) {
            ManualReader reader = new ManualReader();
            KVGrpc.newStub(ch).rangeStream(r, reader);
            return reader;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<RangeRequest> c) {
            call = c;
            c.disableAutoRequestWithInitial(0);
        }

        @Override
        public void onNext(RangeStreamResponse m) {
            received.addAndGet(m.getSerializedSize());
            events.add(m);
        }

        @Override
        public void onError(Throwable t) {
            events.add(t);
        }

        @Override
        public void onCompleted() {
            events.add(DONE);
        }

        /** The next message; the stream's error as thrown; AssertionError if it ended. */
        RangeStreamResponse next() throws Exception {
            call.request(1);
            Object o = events.poll(30, TimeUnit.SECONDS);
            if (o instanceof RangeStreamResponse m) {
                kvsTaken += m.getRangeResponse().getKvsCount();
                return m;
            }
            if (o instanceof StatusRuntimeException e) {
                throw e;
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("stream failed", t);
            }
            throw new AssertionError(o == DONE ? "stream ended" : "no message within 30 s");
        }

        /** Everything from here to the end, merged; the first messages taken with next() are left out. */
        void drainInto(RangeResponse.Builder merged) throws Exception {
            call.request(Integer.MAX_VALUE);
            while (true) {
                Object o = events.poll(30, TimeUnit.SECONDS);
                if (o == DONE) {
                    return;
                }
                if (!(o instanceof RangeStreamResponse m)) {
                    throw new AssertionError("stream did not end normally: " + o);
                }
                merged.mergeFrom(m.getRangeResponse());
            }
        }
    }
}
