package io.etch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.mvcc.MvccTesting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub without gRPC: groups, catch-up from the store, bounded streams. */
class WatchHubTest {

    @TempDir
    Path dir;
    private MvccTesting mvcc;
    private WatchHub hub;

    @BeforeEach
    void open() {
        mvcc = new MvccTesting(dir);
    }

    @AfterEach
    void close() {
        hub.close();
        mvcc.close();
    }

    private void startHub(int capacity) {
        hub = new WatchHub(mvcc.store(), Duration.ofMinutes(10), capacity);
        mvcc.store().setListener(hub);
    }

    private static WatchRequest create(String key, long startRev) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setStartRevision(startRev)).build();
    }

    /** Polls the stream until {@code done} holds for what it received. */
    private static List<WatchResponse> drainUntil(WatchStream s, Predicate<List<WatchResponse>> done) throws InterruptedException {
        List<WatchResponse> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.test(got) && System.nanoTime() < deadline) {
            WatchStream.Outgoing o = s.poll();
            if (o == null) {
                Thread.sleep(5);
            } else {
                got.add(o.response());
            }
        }
        return got;
    }

    private static List<Long> revisions(List<WatchResponse> rs) {
        List<Long> revs = new ArrayList<>();
        for (WatchResponse r : rs) {
            for (Event e : r.getEventsList()) {
                revs.add(e.getKv().getModRevision());
            }
        }
        return revs;
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long r = from; r <= to; r++) {
            l.add(r);
        }
        return l;
    }

    @Test
    void slowStreamFallsBackToCatchUpAndMissesNothing() throws Exception {
        startHub(2);
        WatchStream s = hub.openStream(() -> { });
        s.handle(create("k", 0));
        long first = mvcc.store().currentRevision() + 1;
        for (int i = 0; i < 50; i++) {
            mvcc.put("k", "v" + i);
        }
        // Nobody reads: the stream holds at most its capacity, the watcher waits unsynced.
        assertThat(hub.groupSizes()).containsExactly(0, 1);
        List<WatchResponse> got = drainUntil(s, rs -> revisions(rs).size() >= 50);
        assertThat(got.get(0).getCreated()).isTrue();
        assertThat(revisions(got)).isEqualTo(range(first, first + 49));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (hub.groupSizes()[0] != 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(hub.groupSizes()).containsExactly(1, 0);
        mvcc.put("k", "after");
        assertThat(revisions(drainUntil(s, rs -> !rs.isEmpty()))).containsExactly(first + 50);
    }

    @Test
    void pastStartRevisionReplaysThenFollowsLive() throws Exception {
        startHub(WatchHub.DEFAULT_STREAM_CAPACITY);
        for (int i = 0; i < 2500; i++) {
            mvcc.put(i % 2 == 0 ? "a" : "b", "v" + i);
        }
        WatchStream s = hub.openStream(() -> { });
        s.handle(create("a", 1));
        mvcc.put("a", "live");
        long last = mvcc.store().currentRevision();
        List<WatchResponse> got = drainUntil(s, rs -> revisions(rs).contains(last));
        List<Long> expected = new ArrayList<>();
        for (long r = 2; r < last; r += 2) {
            expected.add(r);
        }
        expected.add(last);
        assertThat(revisions(got)).isEqualTo(expected);
    }

    @Test
    void compactedStartRevisionIsCanceledWithCompactRevision() throws Exception {
        startHub(WatchHub.DEFAULT_STREAM_CAPACITY);
        for (int i = 0; i < 10; i++) {
            mvcc.put("k", "v" + i);
        }
        mvcc.compact(6);
        WatchStream s = hub.openStream(() -> { });
        s.handle(create("k", 3));
        List<WatchResponse> got = drainUntil(s, rs -> rs.size() >= 2);
        assertThat(got.get(0).getCreated()).isTrue();
        assertThat(got.get(1).getCanceled()).isTrue();
        assertThat(got.get(1).getCompactRevision()).isEqualTo(6);
        assertThat(hub.groupSizes()).containsExactly(0, 0);
    }

    @Test
    void closedStreamLeavesNoWatchers() {
        startHub(WatchHub.DEFAULT_STREAM_CAPACITY);
        WatchStream s = hub.openStream(() -> { });
        s.handle(create("k", 0));
        s.handle(create("j", 1));
        s.close();
        mvcc.put("k", "v");
        assertThat(hub.groupSizes()).containsExactly(0, 0);
        assertThat(s.poll()).isNull();
    }
}
