package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DowngradeRequest;
import io.etch.api.etcdserverpb.HashRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.testing.EtchCluster;
import io.etch.testing.Eventually;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The backend quota and etcd's alarms, with etcd's gRPC client calls against real members: a write
 * past --quota-backend-bytes raises NOSPACE on every member, writes that add data are refused there
 * while reads, deletes and compaction go on, and compaction, defragment and disarm bring writes
 * back; a CORRUPT alarm stops every change. Also Defragment, Hash and Downgrade as etcd answers them.
 */
class AlarmQuotaTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final long QUOTA = 64 * 1024;
    private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

    @Test
    void aFullStoreRaisesNoSpaceEverywhereAndCompactionDefragAndDisarmBringWritesBack() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithQuota(3, QUOTA)) {
            List<ManagedChannel> channels = channels(cluster);
            try {
                var kv0 = KVGrpc.newBlockingStub(channels.get(0));
                kv0.put(put("small", "a".repeat(64)));
                String big = "b".repeat(4096);
                int accepted = 0;
                StatusRuntimeException refused = null;
                while (refused == null && accepted < 100) {
                    try {
                        kv0.put(put("big", big));
                        accepted++;
                    } catch (StatusRuntimeException e) {
                        refused = e;
                    }
                }
                assertThat(refused).as("a put past the quota is refused").isNotNull();
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(refused.getStatus().getDescription()).isEqualTo(NO_SPACE);
                assertThat(accepted).as("64 KiB hold about 15 puts of 4 KiB").isBetween(10, 16);

                long raisedBy = cluster.memberId(0);
                for (ManagedChannel c : channels) {
                    Eventually.await("the alarm reaches every member", Duration.ofSeconds(10), () ->
                            alarms(c).getAlarmsList().equals(List.of(alarm(raisedBy, AlarmType.NOSPACE))));
                }
                long revision = kv0.range(RangeRequest.newBuilder().setKey(bytes("big")).build()).getHeader().getRevision();

                // Every member refuses what adds data, however small, and answers what does not.
                for (ManagedChannel c : channels) {
                    var kv = KVGrpc.newBlockingStub(c);
                    assertNoSpace(() -> kv.put(put("tiny", "x")));
                    assertNoSpace(() -> kv.txn(TxnRequest.newBuilder()
                            .addCompare(Compare.newBuilder().setKey(bytes("small")).setTarget(Compare.CompareTarget.VERSION)
                                    .setResult(Compare.CompareResult.GREATER).setVersion(100))
                            .addFailure(RequestOp.newBuilder().setRequestPut(put("tiny", "x"))).build()));
                    assertNoSpace(() -> LeaseGrpc.newBlockingStub(c).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()));
                    assertThat(kv.range(RangeRequest.newBuilder().setKey(bytes("big")).build()).getKvs(0).getValue().size())
                            .isEqualTo(4096);
                }
                assertThat(kv0.range(RangeRequest.newBuilder().setKey(bytes("tiny")).build()).getCount())
                        .as("nothing refused was written").isZero();
                assertThat(health(cluster, 1).body()).isEqualTo("{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}");
                assertThat(health(cluster, 1, "?exclude=NOSPACE").statusCode()).isEqualTo(200);

                // What frees space still works: a delete, a compaction, a defragment.
                var deleted = kv0.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("small")).build());
                assertThat(deleted.getDeleted()).isEqualTo(1);
                kv0.compact(CompactionRequest.newBuilder().setRevision(revision + 1).setPhysical(true).build());
                for (ManagedChannel c : channels) {
                    MaintenanceGrpc.newBlockingStub(c).defragment(DefragmentRequest.getDefaultInstance());
                }
                assertNoSpace(() -> kv0.put(put("tiny", "x")));

                // etcdctl alarm disarm: every alarm listed, then deactivated one by one.
                var maintenance = MaintenanceGrpc.newBlockingStub(channels.get(2));
                for (AlarmMember a : alarms(channels.get(2)).getAlarmsList()) {
                    AlarmResponse r = maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                            .setMemberID(a.getMemberID()).setAlarm(a.getAlarm()).build());
                    assertThat(r.getAlarmsList()).containsExactly(a);
                }
                for (ManagedChannel c : channels) {
                    Eventually.await("the alarm is cleared everywhere", Duration.ofSeconds(10),
                            () -> alarms(c).getAlarmsCount() == 0);
                }
                for (ManagedChannel c : channels) {
                    KVGrpc.newBlockingStub(c).put(put("after", "y"));
                }
                assertThat(health(cluster, 1).statusCode()).isEqualTo(200);
            } finally {
                close(channels);
            }
        }
    }

    @Test
    void alarmsSurviveARestartAndCorruptStopsEveryChange() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            ManagedChannel channel = channel(cluster, 0);
            var maintenance = MaintenanceGrpc.newBlockingStub(channel);
            var kv = KVGrpc.newBlockingStub(channel);
            kv.put(put("k", "v"));
            // Raising NONE does nothing, as in etcd.
            AlarmResponse none = maintenance.alarm(activate(7, AlarmType.NONE));
            assertThat(none.getAlarmsList()).isEmpty();
            assertThat(alarms(channel).getAlarmsList()).isEmpty();

            assertThat(maintenance.alarm(activate(7, AlarmType.CORRUPT)).getAlarmsList())
                    .containsExactly(alarm(7, AlarmType.CORRUPT));
            assertThat(maintenance.alarm(activate(7, AlarmType.CORRUPT)).getAlarmsList())
                    .as("raising it again answers it again").containsExactly(alarm(7, AlarmType.CORRUPT));
            assertThat(maintenance.alarm(activate(9, AlarmType.NOSPACE)).getAlarmsList())
                    .containsExactly(alarm(9, AlarmType.NOSPACE));
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

            cluster.restart(0);
            channel = channel(cluster, 0);
            try {
                maintenance = MaintenanceGrpc.newBlockingStub(channel);
                kv = KVGrpc.newBlockingStub(channel);
                assertThat(alarms(channel).getAlarmsList()).as("kept with the data, sorted by type then member")
                        .containsExactly(alarm(9, AlarmType.NOSPACE), alarm(7, AlarmType.CORRUPT));
                assertThat(maintenance.alarm(AlarmRequest.newBuilder().setAlarm(AlarmType.CORRUPT).build()).getAlarmsList())
                        .containsExactly(alarm(7, AlarmType.CORRUPT));
                var kvs = kv;
                for (Runnable change : List.<Runnable>of(
                        () -> kvs.put(put("k", "w")),
                        () -> kvs.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("k")).build()),
                        () -> kvs.compact(CompactionRequest.newBuilder().setRevision(1).build()))) {
                    assertThatThrownBy(change::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
                        assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: corrupt cluster");
                    });
                }
                assertThat(kv.range(RangeRequest.newBuilder().setKey(bytes("k")).build()).getKvs(0).getValue().toStringUtf8())
                        .isEqualTo("v");
                HttpResponse<String> readyz = get(cluster.endpoint(0) + "/readyz?verbose");
                assertThat(readyz.statusCode()).isEqualTo(503);
                assertThat(readyz.body()).contains("[-]data_corruption failed: alarm activated: CORRUPT");

                assertThat(maintenance.alarm(deactivate(8, AlarmType.CORRUPT)).getAlarmsList())
                        .as("clearing an alarm that is not raised answers nothing").isEmpty();
                maintenance.alarm(deactivate(7, AlarmType.CORRUPT));
                assertNoSpace(() -> kvs.put(put("k", "w")));
                maintenance.alarm(deactivate(9, AlarmType.NOSPACE));
                kv.put(put("k", "w"));
                assertThat(get(cluster.endpoint(0) + "/readyz").statusCode()).isEqualTo(200);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void hashIsEqualOnEveryMemberAndDowngradeIsRefusedAsEtcdRefusesAnInvalidTarget() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            List<ManagedChannel> channels = channels(cluster);
            try {
                var kv = KVGrpc.newBlockingStub(channels.get(0));
                for (int i = 0; i < 50; i++) {
                    kv.put(put("key" + (i % 7), "value" + i));
                }
                LeaseGrpc.newBlockingStub(channels.get(1)).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build());
                long revision = kv.put(put("last", "x")).getHeader().getRevision();
                Eventually.await("every member applied the last put", Duration.ofSeconds(10), () -> channels.stream()
                        .allMatch(c -> MaintenanceGrpc.newBlockingStub(c).hash(HashRequest.getDefaultInstance())
                                .getHeader().getRevision() == revision));
                Set<Integer> hashes = new HashSet<>();
                for (ManagedChannel c : channels) {
                    hashes.add(MaintenanceGrpc.newBlockingStub(c).hash(HashRequest.getDefaultInstance()).getHash());
                }
                assertThat(hashes).hasSize(1);
                int before = hashes.iterator().next();
                kv.put(put("last", "y"));
                Eventually.await("the hash changes with the data", Duration.ofSeconds(10), () ->
                        MaintenanceGrpc.newBlockingStub(channels.get(2)).hash(HashRequest.getDefaultInstance()).getHash() != before);

                var maintenance = MaintenanceGrpc.newBlockingStub(channels.get(1));
                assertRefused(() -> maintenance.downgrade(downgrade(DowngradeRequest.DowngradeAction.VALIDATE, "3.4")),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: invalid downgrade target version");
                assertRefused(() -> maintenance.downgrade(downgrade(DowngradeRequest.DowngradeAction.ENABLE, "3.4.0")),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: invalid downgrade target version");
                assertRefused(() -> maintenance.downgrade(downgrade(DowngradeRequest.DowngradeAction.VALIDATE, "v3.4")),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: wrong downgrade target version format");
                assertRefused(() -> maintenance.downgrade(downgrade(DowngradeRequest.DowngradeAction.CANCEL, "")),
                        Status.Code.FAILED_PRECONDITION, "etcdserver: no inflight downgrade job");
                assertThat(maintenance.status(StatusRequest.getDefaultInstance()).getDowngradeInfo().getEnabled()).isFalse();
            } finally {
                close(channels);
            }
        }
    }

    @Test
    void defragmentReclaimsWhatACompactionFreedWhileWritesGoOn() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            ManagedChannel channel = channel(cluster, 0);
            try {
                var kv = KVGrpc.newBlockingStub(channel);
                var maintenance = MaintenanceGrpc.newBlockingStub(channel);
                // Random values: RocksDB compresses its files, and a repeated letter would take no room.
                java.util.Random random = new java.util.Random(1);
                long revision = 0;
                for (int i = 0; i < 800; i++) {
                    byte[] value = new byte[16 * 1024];
                    random.nextBytes(value);
                    revision = kv.put(PutRequest.newBuilder().setKey(bytes("key" + (i % 4)))
                            .setValue(ByteString.copyFrom(value)).build()).getHeader().getRevision();
                }
                maintenance.defragment(DefragmentRequest.getDefaultInstance());
                long full = maintenance.status(StatusRequest.getDefaultInstance()).getDbSize();
                assertThat(full).as("800 values of 16 KiB").isGreaterThan(12L << 20);
                kv.compact(CompactionRequest.newBuilder().setRevision(revision).setPhysical(true).build());
                // A writer that runs through the defragmentation.
                ManagedChannel writerChannel = channel(cluster, 0);
                var writer = KVGrpc.newBlockingStub(writerChannel);
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 200; i++) {
                        writer.put(put("during", Integer.toString(i)));
                    }
                });
                t.start();
                maintenance.defragment(DefragmentRequest.getDefaultInstance());
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
                writerChannel.shutdownNow();
                long after = maintenance.status(StatusRequest.getDefaultInstance()).getDbSize();
                // What is left: 4 values of 16 KiB, and the memtable the writer filled (RocksDB counts
                // its first allocation, a few MiB, at once).
                assertThat(after).isLessThan(full / 3);
                assertThat(kv.range(RangeRequest.newBuilder().setKey(bytes("during")).build()).getKvs(0).getValue().toStringUtf8())
                        .isEqualTo("199");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertNoSpace(Runnable call) {
        assertRefused(call, Status.Code.RESOURCE_EXHAUSTED, NO_SPACE);
    }

    private static void assertRefused(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    private static AlarmResponse alarms(ManagedChannel c) {
        return MaintenanceGrpc.newBlockingStub(c).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET)
                .setAlarm(AlarmType.NONE).build());
    }

    private static AlarmRequest activate(long member, AlarmType type) {
        return AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(member).setAlarm(type).build();
    }

    private static AlarmRequest deactivate(long member, AlarmType type) {
        return AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(member).setAlarm(type).build();
    }

    private static AlarmMember alarm(long member, AlarmType type) {
        return AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
    }

    private static DowngradeRequest downgrade(DowngradeRequest.DowngradeAction action, String version) {
        return DowngradeRequest.newBuilder().setAction(action).setVersion(version).build();
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static HttpResponse<String> health(EtchCluster cluster, int member) throws Exception {
        return health(cluster, member, "");
    }

    private static HttpResponse<String> health(EtchCluster cluster, int member, String query) throws Exception {
        return get(cluster.endpoint(member) + "/health" + query);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ManagedChannel channel(EtchCluster cluster, int i) {
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build();
    }

    private static List<ManagedChannel> channels(EtchCluster cluster) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            channels.add(channel(cluster, i));
        }
        return channels;
    }

    private static void close(List<ManagedChannel> channels) throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
