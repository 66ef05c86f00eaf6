package io.etch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.HashKVRequest;
import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.MemberAddRequest;
import io.etch.api.etcdserverpb.MemberRemoveRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * --snapshot-count with real members: the log is purged behind snapshots, a member that was
 * stopped meanwhile catches up by receiving the leader's store, and every member restarts from
 * a purged log.
 */
class SnapshotCatchUpTest {
    /** Small enough that a few thousand writes purge whole 8 MB log segments. */
    private static final ServerSettings.Snapshots SMALL = new ServerSettings.Snapshots(1000, 500);
    private static final ByteString VALUE = ByteString.copyFrom(new byte[4096]);

    private EtchCluster cluster;
    private final Map<Integer, ManagedChannel> channels = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterEach
    void stop() throws Exception {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    private KVGrpc.KVBlockingStub kv(int i) {
        return KVGrpc.newBlockingStub(channels.computeIfAbsent(i,
                n -> ManagedChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(n)).usePlaintext().build()))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** {@code count} writes of 4 KiB through member {@code via}, from a few clients at once. */
    private void write(int via, String prefix, int count) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < 8; c++) {
            Thread t = new Thread(() -> {
                try {
                    for (int n; (n = next.getAndIncrement()) < count; ) {
                        kv(via).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix + (n % 500)))
                                .setValue(VALUE).build());
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            });
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join();
        }
        assertThat(errors).isEmpty();
    }

    /** Writes in rounds until member {@code i}'s log starts after {@code index}, for at most 20 rounds. */
    private void writeUntilPurgedPast(int i, long index) throws InterruptedException {
        for (int round = 0; round < 20 && server(i).raftLogStartIndex() <= index; round++) {
            write(i, "big/", 1000);
        }
    }

    private RangeResponse all(int i) {
        return kv(i).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0"))
                .setRangeEnd(ByteString.copyFromUtf8("\0")).setKeysOnly(true).setSerializable(true).build());
    }

    /** Retries {@code check} until it passes; the timeout only bounds a failing test. */
    private static void untilPasses(Duration timeout, Runnable check) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** etcdctl endpoint hashkv's call. */
    private HashKVResponse hashKv(int i, long revision) {
        kv(i); // opens the channel
        return MaintenanceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
    }

    private EtchServer server(int i) {
        return cluster.member(i).server();
    }

    /** Every member holds the same history: same revision, same hash of it. */
    private void assertConverged() throws InterruptedException {
        assertConverged(java.util.stream.IntStream.range(0, cluster.size()).boxed().toList());
    }

    private void assertConverged(List<Integer> members) throws InterruptedException {
        int first = members.get(0);
        untilPasses(Duration.ofSeconds(60), () -> {
            long revision = server(first).currentRevision();
            HashKVResponse hash = hashKv(first, revision);
            assertThat(hash.getHashRevision()).isEqualTo(revision);
            for (int i : members) {
                assertThat(server(i).currentRevision()).isEqualTo(revision);
                assertThat(hashKv(i, revision).getHash()).isEqualTo(hash.getHash());
            }
        });
        for (int i : members) {
            assertThat(all(i).getKvsList()).isEqualTo(all(first).getKvsList());
        }
    }

    @Test
    void aMemberStoppedPastThePurgedLogCatchesUpByTheLeadersStore() throws Exception {
        cluster = EtchCluster.startWithSnapshots(3, SMALL);
        int leader = cluster.leaderIndex();
        int lagging = (leader + 1) % 3;
        write(leader, "early/", 200);
        long stoppedAt = server(lagging).raftLogStartIndex();
        long appliedWhenStopped = cluster.member(lagging).server().status().getRaftAppliedIndex();
        cluster.stop(lagging);

        // Until the log before what the stopped member has is gone on the leader (purged in whole segments).
        writeUntilPurgedPast(leader, appliedWhenStopped + 1);
        long leaderStart = server(leader).raftLogStartIndex();
        assertThat(leaderStart).as("leader's first log index (member stopped at applied %d, log start %d)",
                appliedWhenStopped, stoppedAt).isGreaterThan(appliedWhenStopped + 1);
        assertThat(server(leader).metrics().snapshotsSent.sum()).isZero();

        cluster.restart(lagging);
        untilPasses(Duration.ofSeconds(60),
                () -> assertThat(server(lagging).metrics().snapshotsReceived.sum()).isEqualTo(1));
        assertConverged();
        assertThat(server(cluster.leaderIndex()).metrics().snapshotsSent.sum()).isEqualTo(1);
        assertThat(Files.list(cluster.member(lagging).server().settings().storeDir().resolveSibling("snap")))
                .as("no checkpoint is left behind").allSatisfy(p -> assertThat(Files.list(p)).isEmpty());

        // It serves and takes writes as any member, and keeps them over a restart from its installed store.
        kv(lagging).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("after")).setValue(VALUE).build());
        cluster.restart(lagging);
        assertConverged();
        assertThat(server(lagging).metrics().snapshotsReceived.sum()).isZero(); // the restarted member needed none
    }

    /**
     * A leader's log ends where its successor's term begins, and so does a log segment of the
     * successor. Once the successor purged the segments before, Raft's check of the entry before
     * its first one needs a term its log no longer holds: the old leader still catches up from the
     * log, without a snapshot.
     */
    @Test
    void aStoppedLeaderCatchesUpFromTheLogWhereItsSuccessorsTermBegins() throws Exception {
        cluster = EtchCluster.startWithSnapshots(3, SMALL);
        int old = cluster.leaderIndex();
        write(old, "early/", 200);
        // Idle, the leader has applied its whole log; stopped as by a crash, it hands nothing over
        // and hears nothing of the next term.
        long lastOfItsLog = server(old).status().getRaftAppliedIndex();
        cluster.stop(old);
        untilPasses(Duration.ofSeconds(30), () -> assertThat(cluster.leaderIndex()).isNotIn(-1, old));
        int successor = cluster.leaderIndex();

        writeUntilPurgedPast(successor, lastOfItsLog);
        assertThat(server(successor).raftLogStartIndex()).as("successor's first log index, at its term's start")
                .isEqualTo(lastOfItsLog + 1);

        cluster.restart(old);
        write(successor, "after/", 50);
        assertConverged();
        assertThat(server(old).metrics().snapshotsReceived.sum()).as("snapshots the old leader needed").isZero();
    }

    @Test
    void aDeadMemberIsReplacedByANewOneThatStartsFromTheLeadersStore() throws Exception {
        cluster = EtchCluster.startWithSnapshots(3, SMALL,
                new ServerSettings.Reconfig(true, 1, false, Duration.ofMillis(300)));
        int dead = (cluster.leaderIndex() + 1) % 3;
        long deadId = cluster.memberId(dead);
        cluster.stop(dead);
        int alive = (dead + 1) % 3;
        writeUntilPurgedPast(cluster.leaderIndex(), 1);
        ClusterGrpc.ClusterBlockingStub members = ClusterGrpc.newBlockingStub(channels.get(cluster.leaderIndex()))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        members.memberRemove(MemberRemoveRequest.newBuilder().setID(deadId).build());
        int replacement = cluster.prepareMember();
        members.memberAdd(MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(replacement)).build());
        cluster.startJoining(replacement);

        assertThat(server(replacement).metrics().snapshotsReceived.sum()).isEqualTo(1);
        kv(replacement).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("after")).setValue(VALUE).build());
        List<Integer> live = new ArrayList<>(List.of(alive, (alive + 1) % 3 == dead ? (alive + 2) % 3 : (alive + 1) % 3,
                replacement));
        assertConverged(live);
    }

    @Test
    void everyMemberRestartsFromAPurgedLog() throws Exception {
        cluster = EtchCluster.startWithSnapshots(3, SMALL);
        writeUntilPurgedPast(cluster.leaderIndex(), 1);
        for (int i = 0; i < 3; i++) {
            assertThat(server(i).raftLogStartIndex()).as("member %d's log start", i).isPositive();
        }
        RangeResponse before = all(0);
        cluster.restartAll();
        for (int i = 0; i < 3; i++) {
            cluster.awaitReady(i);
        }
        write(cluster.leaderIndex(), "more/", 100);
        assertConverged();
        assertThat(all(0).getCount()).isEqualTo(before.getCount() + 100);
        for (int i = 0; i < 3; i++) {
            assertThat(server(i).metrics().snapshotsReceived.sum()).isZero();
        }
    }

}
