package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A member cut off from its quorum refuses what it cannot do safely, with etcd's error. */
class QuorumLossTest {

    @Test
    void withoutQuorumWritesAndLinearizableReadsFailButSerializableReadsAnswer() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                ByteString key = ByteString.copyFromUtf8("k");
                kv.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v")).build());
                // A linearizable read here waits until this member has applied the write itself.
                kv.range(RangeRequest.newBuilder().setKey(key).build());
                cluster.stop(1);
                cluster.stop(2);

                StatusRuntimeException write = expectError(() -> kv.withDeadlineAfter(60, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("lost")).build()));
                assertThat(write.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(write.getStatus().getDescription()).isIn("etcdserver: no leader", "etcdserver: request timed out");

                StatusRuntimeException read = expectError(() -> kv.withDeadlineAfter(60, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(key).build()));
                assertThat(read.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

                var local = kv.range(RangeRequest.newBuilder().setKey(key).setSerializable(true).build());
                assertThat(local.getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static StatusRuntimeException expectError(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail");
    }
}
