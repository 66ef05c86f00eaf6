package io.etch.apply;

import static io.etch.mvcc.MvccTesting.bs;
import static io.etch.mvcc.MvccTesting.putReq;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.raftpb.RaftEntry;
import io.etch.lease.Lessor;
import io.etch.mvcc.MvccTesting;
import io.etch.watch.WatchHub;
import io.etch.watch.WatchStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that fell behind gets another member's checkpoint: its store, leases and index become
 * the checkpoint's, and its watchers go on from where they were, through the jump, without a gap.
 */
class RestoreFromCheckpointTest {
    @TempDir
    Path dir;
    private MvccTesting leaderData;
    private MvccTesting followerData;
    private Applier leader;
    private Applier follower;
    private Lessor followerLeases;
    private WatchHub hub;
    private long leaderIndex;
    private long followerIndex;

    @BeforeEach
    void open() {
        leaderData = new MvccTesting(dir.resolve("leader"));
        followerData = new MvccTesting(dir.resolve("follower").resolve("db"));
        leader = new Applier(leaderData.backend(), leaderData.store(),
                Lessor.open(leaderData.backend(), leaderData.store(), Long.MAX_VALUE));
        followerLeases = Lessor.open(followerData.backend(), followerData.store(), Long.MAX_VALUE);
        follower = new Applier(followerData.backend(), followerData.store(), followerLeases);
        hub = new WatchHub(followerData.store(), Duration.ofMinutes(10));
        followerData.store().setListener(hub);
    }

    @AfterEach
    void close() {
        hub.close();
        leaderData.close();
        followerData.close();
    }

    private void both(RaftEntry e) {
        leader.apply(e, 1, ++leaderIndex);
        follower.apply(e, 1, ++followerIndex);
    }

    private void leaderOnly(RaftEntry e) {
        leader.apply(e, 2, ++leaderIndex);
    }

    private static RaftEntry put(String key, String value) {
        return RaftEntry.newBuilder().setPut(putReq(key, value)).build();
    }

    private static WatchRequest watchPrefix(String prefix) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(bs(prefix)).setRangeEnd(bs(prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1)))
                .setPrevKv(true)).build();
    }

    private static List<Event> eventsUntil(WatchStream s, long lastRevision) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline
                && (got.isEmpty() || got.get(got.size() - 1).getKv().getModRevision() < lastRevision)) {
            WatchStream.Outgoing o = s.poll();
            if (o == null) {
                Thread.sleep(5);
                continue;
            }
            WatchResponse r = o.response();
            assertThat(r.getCanceled()).as("watch canceled: %s", r.getCancelReason()).isFalse();
            got.addAll(r.getEventsList());
        }
        return got;
    }

    @Test
    void theStoreLeasesAndWatchersContinueFromTheCheckpoint() throws Exception {
        for (int i = 0; i < 10; i++) {
            both(put("k/" + i, "v" + i));
        }
        WatchStream stream = hub.openStream(() -> { });
        stream.handle(watchPrefix("k/"));
        long before = followerData.store().currentRevision();

        // The follower misses these: a lease with a key on it, overwrites, a delete.
        leaderOnly(RaftEntry.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(77).setTTL(600)).build());
        leaderOnly(RaftEntry.newBuilder().setPut(putReq("k/leased", "x").setLease(77)).build());
        for (int i = 0; i < 30; i++) {
            leaderOnly(put("k/" + (i % 12), "w" + i));
        }
        leaderOnly(RaftEntry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k/3"))).build());

        Path checkpoint = dir.resolve("follower").resolve("snap").resolve("receive");
        Files.createDirectories(checkpoint.getParent());
        leader.checkpoint(checkpoint);
        assertThat(follower.appliedIn(checkpoint)).containsExactly(2, leaderIndex);
        follower.restore(checkpoint);
        followerIndex = leaderIndex;

        assertThat(Files.exists(checkpoint)).isFalse();
        assertThat(followerData.store().appliedIndex()).isEqualTo(leaderIndex);
        assertThat(followerData.store().currentRevision()).isEqualTo(leaderData.store().currentRevision());
        RangeRequest all = RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build();
        RangeResponse expected = leaderData.store().range(all);
        assertThat(followerData.store().range(all).getKvsList()).isEqualTo(expected.getKvsList());
        assertThat(followerLeases.exists(77)).isTrue();
        assertThat(followerLeases.keys(77)).containsExactly(bs("k/leased"));

        // The watcher saw every revision after the one it had, in order, with prev_kv.
        long now = followerData.store().currentRevision();
        List<Event> events = eventsUntil(stream, now);
        List<Long> revisions = events.stream().map(e -> e.getKv().getModRevision()).toList();
        List<Long> wanted = new ArrayList<>();
        for (long r = before + 1; r <= now; r++) { // a lease grant makes no revision
            wanted.add(r);
        }
        assertThat(revisions).isEqualTo(wanted);
        Event delete = events.get(events.size() - 1);
        assertThat(delete.getType()).isEqualTo(Event.EventType.DELETE);
        assertThat(delete.getPrevKv().getKey()).isEqualTo(bs("k/3"));

        // And it is synced again: the next write reaches it from apply.
        both(put("k/after", "1"));
        assertThat(eventsUntil(stream, now + 1)).extracting(e -> e.getKv().getKey()).containsExactly(bs("k/after"));
        assertThat(followerData.store().range(all).getKvsList()).isEqualTo(leaderData.store().range(all).getKvsList());
    }

    @Test
    void aReplacementInterruptedByACrashIsFinishedAtOpen() {
        both(put("a", "1"));
        leaderOnly(put("b", "2"));
        Path incoming = dir.resolve("follower").resolve("db.incoming");
        leader.checkpoint(incoming);
        followerData.restart(); // the process died after the checkpoint was moved next to the store

        assertThat(followerData.store().appliedIndex()).isEqualTo(leaderIndex);
        assertThat(followerData.get("b").getValue()).isEqualTo(bs("2"));
        assertThat(Files.exists(incoming)).isFalse();
        assertThat(Files.exists(dir.resolve("follower").resolve("db.old"))).isFalse();
    }
}
