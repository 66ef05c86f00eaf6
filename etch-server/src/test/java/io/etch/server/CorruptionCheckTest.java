package io.etch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.mvccpb.KeyValue;
import io.etch.storage.Backend;
import io.etch.testing.EtchCluster;
import io.etch.testing.Eventually;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.rocksdb.WriteBatch;

/**
 * etcd's periodic corruption check on three real members: a member whose store was changed behind
 * Raft's back (one stored value rewritten on disk while it was down) gets a CORRUPT alarm from the
 * leader, and the cluster then refuses changes; members that hold the same data never do.
 */
class CorruptionCheckTest {

    @Test
    void aMemberWhoseStoreDivergedGetsACorruptAlarmAndTheClusterStopsTakingWrites() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                var kv = KVGrpc.newBlockingStub(channel);
                for (int i = 0; i < 20; i++) {
                    kv.put(put("key" + i, "value" + i));
                }
                for (int i = 0; i < 3; i++) {
                    cluster.member(i).server().startCorruptionCheck(Duration.ofMillis(100));
                }
                // Same data everywhere: rounds go by without an alarm, and the check at start passes.
                Thread.sleep(1500);
                assertThat(alarms(channel)).isEmpty();
                cluster.member(1).server().initialCorruptionCheck().get(30, TimeUnit.SECONDS);

                int victim = (cluster.leaderIndex() + 1) % 3;
                Path store = cluster.member(victim).server().settings().storeDir();
                cluster.stop(victim);
                try (Backend backend = Backend.open(store); WriteBatch batch = new WriteBatch()) {
                    byte[][] first = {null, null};
                    backend.forEach(Backend.Column.KV, null, null, (k, v) -> {
                        first[0] = k;
                        first[1] = v;
                        return false;
                    });
                    KeyValue kvOnDisk = KeyValue.parseFrom(first[1]);
                    backend.put(batch, Backend.Column.KV, first[0],
                            kvOnDisk.toBuilder().setValue(ByteString.copyFromUtf8("rotten")).build().toByteArray());
                    backend.write(batch);
                }
                cluster.restart(victim);
                // etcd's --experimental-initial-corrupt-check: the launcher exits on this.
                assertThatThrownBy(() -> cluster.member(victim).server().initialCorruptionCheck().get(30, TimeUnit.SECONDS))
                        .hasRootCauseMessage(Long.toHexString(cluster.memberId(victim)) + " found data inconsistency with peers");
                cluster.member(victim).server().startCorruptionCheck(Duration.ofMillis(100));
                long victimId = cluster.memberId(victim);
                List<AlarmMember> corrupt = List.of(AlarmMember.newBuilder().setMemberID(victimId)
                        .setAlarm(AlarmType.CORRUPT).build());
                Eventually.await("the leader raises CORRUPT for the diverged member", Duration.ofSeconds(30), () -> {
                    try {
                        return alarms(channel).equals(corrupt);
                    } catch (StatusRuntimeException e) {
                        return false; // the restart may have moved leadership: the read waits for a leader
                    }
                });
                assertThatThrownBy(() -> kv.put(put("after", "x"))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: corrupt cluster");
                });
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static List<AlarmMember> alarms(ManagedChannel channel) {
        return MaintenanceGrpc.newBlockingStub(channel).alarm(AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.GET).build()).getAlarmsList();
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }
}
