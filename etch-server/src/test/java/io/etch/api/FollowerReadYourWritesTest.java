package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member answers a write only once it applied the write itself: whatever member a client wrote
 * through, a serializable read or a new watch on that member right after reflects the write.
 */
class FollowerReadYourWritesTest {

    private static EtchCluster cluster;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cluster = EtchCluster.start(3);
        for (int i = 0; i < 3; i++) {
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        cluster.close();
    }

    private static KVGrpc.KVBlockingStub kv(int member) {
        return KVGrpc.newBlockingStub(channels.get(member)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static RangeResponse serializableGet(int member, String key) {
        return kv(member).range(RangeRequest.newBuilder().setKey(bs(key)).setSerializable(true).build());
    }

    private static List<Integer> followers() {
        int leader = cluster.leaderIndex();
        List<Integer> f = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (i != leader) {
                f.add(i);
            }
        }
        return f;
    }

    @Test
    void aWriteThroughAFollowerIsVisibleToASerializableReadThereAtOnce() {
        for (int member : followers()) {
            for (int i = 0; i < 50; i++) {
                String key = "/ryw/" + member + "/" + i;
                long rev = kv(member).put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v" + i)).build())
                        .getHeader().getRevision();
                RangeResponse r = serializableGet(member, key);
                assertThat(r.getKvsList()).as("serializable read on member %d right after its put", member).hasSize(1);
                assertThat(r.getKvs(0).getModRevision()).isEqualTo(rev);
                assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
            }
        }
    }

    @Test
    void concurrentWritersThroughEveryMemberReadTheirOwnWrites() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(9);
        ConcurrentLinkedQueue<String> stale = new ConcurrentLinkedQueue<>();
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 9; w++) {
            int writer = w;
            int member = w % 3;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    String key = "/ryw-concurrent/" + writer;
                    long rev = kv(member).put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v" + i)).build())
                            .getHeader().getRevision();
                    RangeResponse r = serializableGet(member, key);
                    if (r.getKvsCount() != 1 || r.getKvs(0).getModRevision() != rev) {
                        stale.add("writer " + writer + " on member " + member + " wrote rev " + rev + ", read "
                                + (r.getKvsCount() == 0 ? "nothing" : "rev " + r.getKvs(0).getModRevision()));
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(stale).as("stale reads after an acknowledged write").isEmpty();
    }

    @Test
    void aWatchBelowACompactionJustAcknowledgedByAMemberIsCancelledThere() throws Exception {
        for (int member = 0; member < 3; member++) {
            long first = kv(member).put(PutRequest.newBuilder().setKey(bs("/ryw-compact")).setValue(bs("a")).build())
                    .getHeader().getRevision();
            long second = kv(member).put(PutRequest.newBuilder().setKey(bs("/ryw-compact")).setValue(bs("b")).build())
                    .getHeader().getRevision();
            kv(member).compact(CompactionRequest.newBuilder().setRevision(second).build());
            try (WatchTesting w = new WatchTesting(channels.get(member))) {
                w.create(WatchTesting.on("/ryw-compact").setStartRevision(first));
                WatchResponse created = w.next();
                assertThat(created.getCreated()).isTrue();
                WatchResponse cancel = created.getCanceled() ? created : w.next();
                assertThat(cancel.getCanceled()).as("watch on member %d from compacted revision %d", member, first).isTrue();
                assertThat(cancel.getCompactRevision()).isEqualTo(second);
            }
        }
    }

    @Test
    void aWatchOnAFollowerSeesAWriteMadeThroughItFromItsRevision() throws Exception {
        for (int member : followers()) {
            long rev = kv(member).put(PutRequest.newBuilder().setKey(bs("/ryw-watch/" + member)).setValue(bs("x")).build())
                    .getHeader().getRevision();
            try (WatchTesting w = new WatchTesting(channels.get(member))) {
                w.create(WatchTesting.on("/ryw-watch/" + member).setStartRevision(rev));
                WatchResponse created = w.next();
                assertThat(created.getCreated()).isTrue();
                // The watch was created on a member that had already applied the write.
                assertThat(created.getHeader().getRevision()).as("member %d's revision when the watch was created", member)
                        .isGreaterThanOrEqualTo(rev);
                WatchResponse events = created.getEventsCount() > 0 ? created : w.next();
                assertThat(events.getEvents(0).getKv().getModRevision()).isEqualTo(rev);
            }
        }
    }
}
