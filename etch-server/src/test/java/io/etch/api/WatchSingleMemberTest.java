package io.etch.api;

import static io.etch.api.WatchTesting.bs;
import static io.etch.api.WatchTesting.on;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.WatchCancelRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchProgressRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Watch API against one member: jetcd's Watch client for what it exposes, Etch's generated
 * stubs for the rest (client-chosen ids, fragment, progress requests, exact responses).
 */
class WatchSingleMemberTest {

    private static EtchCluster cluster;
    private static Client client;
    private static KV kv;
    private static Watch watch;
    private static ManagedChannel channel;
    private static int testNo;
    private final List<AutoCloseable> open = new ArrayList<>();
    private String p;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EtchCluster.start(1, Duration.ofMillis(200));
        client = Client.builder().endpoints(cluster.endpoints()).build();
        kv = client.getKVClient();
        watch = client.getWatchClient();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @BeforeEach
    void prefix() {
        p = "/w" + (++testNo) + "/";
    }

    @AfterEach
    void closeWatches() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private long put(String key, String value) throws Exception {
        return kv.put(b(key), b(value)).get(20, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private long delete(String key) throws Exception {
        return kv.delete(b(key)).get(20, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private long revision() throws Exception {
        return kv.get(b("x")).get(20, TimeUnit.SECONDS).getHeader().getRevision();
    }

    private WatchTesting raw() {
        WatchTesting w = new WatchTesting(channel);
        open.add(w);
        return w;
    }

    /** A jetcd watch whose responses and errors land in queues. */
    private final class Recorder implements Watch.Listener {
        final BlockingQueue<io.etcd.jetcd.watch.WatchResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        Recorder(String key, WatchOption option) {
            open.add(watch.watch(b(key), option, this));
        }

        @Override
        public void onNext(io.etcd.jetcd.watch.WatchResponse r) {
            responses.add(r);
        }

        @Override
        public void onError(Throwable t) {
            error.complete(t);
        }

        @Override
        public void onCompleted() {
        }

        /** The next {@code n} events, across responses. */
        List<WatchEvent> events(int n) throws InterruptedException {
            List<WatchEvent> events = new ArrayList<>();
            while (events.size() < n) {
                var r = responses.poll(20, TimeUnit.SECONDS);
                assertThat(r).as("events %s of %d", events.size(), n).isNotNull();
                events.addAll(r.getEvents());
            }
            return events;
        }
    }

    private static String describe(WatchEvent e) {
        return e.getEventType() + " " + e.getKeyValue().getKey().toString(UTF_8) + "=" + e.getKeyValue().getValue().toString(UTF_8)
                + "@" + e.getKeyValue().getModRevision();
    }

    private static String describe(Event e) {
        return e.getType() + " " + e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8()
                + "@" + e.getKv().getModRevision();
    }

    /** Waits for the created response, so that later writes are seen by the watch. */
    private static WatchResponse created(WatchTesting w) throws InterruptedException {
        WatchResponse r = w.next();
        assertThat(r.getCreated()).as("created: %s", r).isTrue();
        assertThat(r.getCanceled()).isFalse();
        return r;
    }

    @Test
    void createdResponseThenPutAndDeleteEventsInOrder() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "k"));
        WatchResponse c = created(w);
        assertThat(c.getWatchId()).isZero();
        assertThat(c.getHeader().getRevision()).isEqualTo(revision());
        assertThat(c.getHeader().getClusterId()).isEqualTo(cluster.clusterId());
        long r1 = put(p + "k", "1");
        long r2 = put(p + "other", "x");
        long r3 = put(p + "k", "2");
        long r4 = delete(p + "k");
        List<String> seen = new ArrayList<>();
        List<Long> headers = new ArrayList<>();
        while (seen.size() < 3) {
            WatchResponse r = w.next();
            r.getEventsList().forEach(e -> seen.add(describe(e)));
            headers.add(r.getHeader().getRevision());
        }
        assertThat(seen).containsExactly("PUT " + p + "k=1@" + r1, "PUT " + p + "k=2@" + r3, "DELETE " + p + "k=@" + r4);
        assertThat(headers).containsExactly(r1, r3, r4);
        assertThat(r2).isEqualTo(r1 + 1);
    }

    @Test
    void prefixWatchSeesOnlyKeysUnderThePrefix() throws Exception {
        Recorder rec = new Recorder(p, WatchOption.builder().isPrefix(true).build());
        revision(); // jetcd sends the create request before returning; a read orders it before the writes
        Thread.sleep(100);
        put(p + "a", "1");
        put("/elsewhere" + p, "x");
        put(p + "b/c", "2");
        kv.delete(b(p), DeleteOption.builder().isPrefix(true).build()).get(20, TimeUnit.SECONDS);
        List<String> seen = rec.events(4).stream().map(e -> e.getEventType() + " " + e.getKeyValue().getKey().toString(UTF_8)).toList();
        assertThat(seen).containsExactly("PUT " + p + "a", "PUT " + p + "b/c", "DELETE " + p + "a", "DELETE " + p + "b/c");
    }

    @Test
    void fromKeyAndRangeWatches() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "b").setRangeEnd(bs("\0")));
        created(w);
        w.create(on(p + "b").setRangeEnd(bs(p + "d")).setWatchId(5));
        created(w);
        put(p + "a", "1");
        long rb = put(p + "b", "1");
        long rc = put(p + "c", "1");
        long rz = put(p + "z", "1");
        List<String> fromKey = new ArrayList<>();
        List<String> range = new ArrayList<>();
        while (fromKey.size() < 3 || range.size() < 2) {
            WatchResponse r = w.next();
            (r.getWatchId() == 0 ? fromKey : range).addAll(r.getEventsList().stream().map(WatchSingleMemberTest::describe).toList());
        }
        assertThat(fromKey).containsExactly("PUT " + p + "b=1@" + rb, "PUT " + p + "c=1@" + rc, "PUT " + p + "z=1@" + rz);
        assertThat(range).containsExactly("PUT " + p + "b=1@" + rb, "PUT " + p + "c=1@" + rc);
    }

    @Test
    void startRevisionReplaysHistoryThenFollows() throws Exception {
        long r1 = put(p + "k", "1");
        put(p + "k", "2");
        delete(p + "k");
        Recorder rec = new Recorder(p + "k", WatchOption.builder().withRevision(r1).withPrevKV(true).build());
        List<WatchEvent> replay = rec.events(3);
        long r4 = put(p + "k", "3");
        List<WatchEvent> all = new ArrayList<>(replay);
        all.addAll(rec.events(1));
        assertThat(all.stream().map(WatchSingleMemberTest::describe))
                .containsExactly("PUT " + p + "k=1@" + r1, "PUT " + p + "k=2@" + (r1 + 1), "DELETE " + p + "k=@" + (r1 + 2),
                        "PUT " + p + "k=3@" + r4);
        assertThat(all.get(1).getPrevKV().getValue().toString(UTF_8)).isEqualTo("1");
        assertThat(all.get(2).getPrevKV().getValue().toString(UTF_8)).isEqualTo("2");
        assertThat(all.get(3).getPrevKV().getKey().isEmpty()).isTrue();
    }

    @Test
    void futureStartRevisionWaitsForIt() throws Exception {
        long now = revision();
        WatchTesting w = raw();
        w.create(on(p + "k").setStartRevision(now + 3));
        created(w);
        put(p + "k", "1");
        put(p + "k", "2");
        long r3 = put(p + "k", "3");
        WatchResponse r = w.next();
        assertThat(r.getEventsList()).extracting(WatchSingleMemberTest::describe).containsExactly("PUT " + p + "k=3@" + r3);
    }

    @Test
    void prevKvCarriesTheValueBefore() throws Exception {
        put(p + "k", "old");
        Recorder rec = new Recorder(p + "k", WatchOption.builder().withPrevKV(true).build());
        Recorder without = new Recorder(p + "k", WatchOption.builder().build());
        Thread.sleep(200);
        put(p + "k", "new");
        delete(p + "k");
        List<WatchEvent> events = rec.events(2);
        assertThat(events.get(0).getPrevKV().getValue().toString(UTF_8)).isEqualTo("old");
        assertThat(events.get(1).getPrevKV().getValue().toString(UTF_8)).isEqualTo("new");
        assertThat(without.events(2).get(0).getPrevKV().getKey().isEmpty()).isTrue();
    }

    @Test
    void filtersDropPutsOrDeletes() throws Exception {
        Recorder noPut = new Recorder(p + "k", WatchOption.builder().withNoPut(true).build());
        Recorder noDelete = new Recorder(p + "k", WatchOption.builder().withNoDelete(true).build());
        Thread.sleep(200);
        long r1 = put(p + "k", "1");
        long r2 = delete(p + "k");
        long r3 = put(p + "k", "2");
        long r4 = delete(p + "k");
        assertThat(noPut.events(2)).extracting(WatchSingleMemberTest::describe)
                .containsExactly("DELETE " + p + "k=@" + r2, "DELETE " + p + "k=@" + r4);
        assertThat(noDelete.events(2)).extracting(WatchSingleMemberTest::describe)
                .containsExactly("PUT " + p + "k=1@" + r1, "PUT " + p + "k=2@" + r3);
    }

    @Test
    void allEventsOfATxnArriveInOneResponse() throws Exception {
        put(p + "b", "old");
        Recorder rec = new Recorder(p, WatchOption.builder().isPrefix(true).build());
        Thread.sleep(200);
        var txn = kv.txn().Then(
                Op.put(b(p + "a"), b("1"), PutOption.DEFAULT),
                Op.delete(b(p + "b"), DeleteOption.DEFAULT),
                Op.put(b(p + "c"), b("3"), PutOption.DEFAULT)).commit().get(20, TimeUnit.SECONDS);
        var r = rec.responses.poll(20, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.getEvents()).extracting(e -> e.getEventType() + " " + e.getKeyValue().getKey().toString(UTF_8))
                .containsExactly("PUT " + p + "a", "DELETE " + p + "b", "PUT " + p + "c");
        assertThat(r.getEvents()).allSatisfy(e -> assertThat(e.getKeyValue().getModRevision()).isEqualTo(txn.getHeader().getRevision()));
    }

    @Test
    void compactedStartRevisionIsCanceledWithCompactRevision() throws Exception {
        long r1 = put(p + "k", "1");
        long r2 = put(p + "k", "2");
        kv.compact(r2).get(20, TimeUnit.SECONDS);
        WatchTesting w = raw();
        w.create(on(p + "k").setStartRevision(r1));
        created(w);
        WatchResponse canceled = w.next();
        assertThat(canceled.getCanceled()).isTrue();
        assertThat(canceled.getCompactRevision()).isEqualTo(r2);
        assertThat(canceled.getEventsCount()).isZero();

        Recorder rec = new Recorder(p + "k", WatchOption.builder().withRevision(r1).build());
        assertThat(rec.error.get(20, TimeUnit.SECONDS)).isInstanceOf(CompactedException.class);
        // From the compacted revision itself, history is still there.
        Recorder atCompact = new Recorder(p + "k", WatchOption.builder().withRevision(r2).build());
        assertThat(atCompact.events(1).get(0).getKeyValue().getValue().toString(UTF_8)).isEqualTo("2");
    }

    @Test
    void cancelIsAnsweredAndStopsEvents() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "k"));
        created(w);
        w.create(on(p + "j"));
        created(w);
        w.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
        WatchResponse canceled = w.next();
        assertThat(canceled.getCanceled()).isTrue();
        assertThat(canceled.getWatchId()).isZero();
        assertThat(canceled.getCancelReason()).isEmpty();
        put(p + "k", "1");
        long rj = put(p + "j", "1");
        WatchResponse r = w.next();
        assertThat(r.getWatchId()).isEqualTo(1);
        assertThat(r.getEventsList()).extracting(WatchSingleMemberTest::describe).containsExactly("PUT " + p + "j=1@" + rj);
        // Canceling an unknown id is ignored, as etcd does.
        w.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(42)).build());
        assertThat(w.poll(300)).isNull();
    }

    @Test
    void clientChosenIdsAreUniquePerStream() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "k").setWatchId(7));
        assertThat(created(w).getWatchId()).isEqualTo(7);
        w.create(on(p + "k").setWatchId(7));
        WatchResponse dup = w.next();
        assertThat(dup.getCreated()).isTrue();
        assertThat(dup.getCanceled()).isTrue();
        assertThat(dup.getWatchId()).isEqualTo(-1);
        assertThat(dup.getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
        w.create(on(p + "k"));
        assertThat(created(w).getWatchId()).isZero();
        w.create(on(p + "k").setWatchId(1));
        assertThat(created(w).getWatchId()).isEqualTo(1);
        w.create(on(p + "k"));
        assertThat(created(w).getWatchId()).isEqualTo(2);
        // Another stream has its own ids.
        WatchTesting other = raw();
        other.create(on(p + "k").setWatchId(7));
        assertThat(created(other).getWatchId()).isEqualTo(7);
    }

    @Test
    void emptyRangeIsRefused() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "b").setRangeEnd(bs(p + "a")));
        WatchResponse r = w.next();
        assertThat(r.getCreated()).isTrue();
        assertThat(r.getCanceled()).isTrue();
        assertThat(r.getWatchId()).isEqualTo(-1);
        assertThat(r.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
    }

    @Test
    void progressRequestAnswersWithTheCurrentRevision() throws Exception {
        WatchTesting w = raw();
        w.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        assertThat(w.poll(300)).as("no watchers, no progress (etcd 3.5)").isNull();
        w.create(on(p + "k"));
        created(w);
        long rev = put(p + "other", "1");
        w.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        WatchResponse r = w.next();
        assertThat(r.getWatchId()).isEqualTo(-1);
        assertThat(r.getEventsCount()).isZero();
        assertThat(r.getCreated()).isFalse();
        assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);

        Recorder rec = new Recorder(p + "k", WatchOption.builder().build());
        Thread.sleep(200);
        watch.requestProgress();
        var progress = rec.responses.poll(20, TimeUnit.SECONDS);
        assertThat(progress).isNotNull();
        assertThat(progress.isProgressNotify()).isTrue();
    }

    @Test
    void progressNotifyIsPeriodicWithTheWatchId() throws Exception {
        WatchTesting w = raw();
        w.create(on(p + "k").setProgressNotify(true).setWatchId(3));
        created(w);
        long rev = put(p + "other", "1");
        WatchResponse r = w.next();
        assertThat(r.getWatchId()).isEqualTo(3);
        assertThat(r.getEventsCount()).isZero();
        assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);

        Recorder rec = new Recorder(p + "k", WatchOption.builder().withProgressNotify(true).build());
        var progress = rec.responses.poll(20, TimeUnit.SECONDS);
        assertThat(progress).isNotNull();
        assertThat(progress.isProgressNotify()).isTrue();
    }

    @Test
    void fragmentSplitsALargeRevision() throws Exception {
        String big = "x".repeat(20_000);
        int keys = 120; // 120 x 2 x 20 kB of values and prev values: above the 2 MiB limit
        for (int i = 0; i < keys; i++) {
            put(p + String.format("%03d", i), big);
        }
        WatchTesting fragmented = raw();
        fragmented.create(on(p).setRangeEnd(bs(p.substring(0, p.length() - 1) + "0")).setPrevKv(true).setFragment(true));
        created(fragmented);
        WatchTesting whole = raw();
        whole.create(on(p).setRangeEnd(bs(p.substring(0, p.length() - 1) + "0")).setPrevKv(true));
        created(whole);
        long rev = kv.delete(b(p), DeleteOption.builder().isPrefix(true).build()).get(20, TimeUnit.SECONDS).getHeader().getRevision();

        List<WatchResponse> parts = new ArrayList<>();
        WatchResponse r;
        do {
            r = fragmented.next();
            parts.add(r);
        } while (r.getFragment());
        assertThat(parts.size()).isGreaterThan(1);
        assertThat(parts).allSatisfy(part -> assertThat(part.getSerializedSize()).isLessThan(1572864 + 512 * 1024));
        assertThat(parts.stream().mapToInt(WatchResponse::getEventsCount).sum()).isEqualTo(keys);
        assertThat(parts).allSatisfy(part -> assertThat(part.getHeader().getRevision()).isEqualTo(rev));
        WatchResponse one = whole.next();
        assertThat(one.getFragment()).isFalse();
        assertThat(one.getEventsCount()).isEqualTo(keys);
    }
}
