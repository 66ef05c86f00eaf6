package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Maintenance.Status over gRPC, with the fields etcd 3.6 added. */
class MaintenanceStatusTest {

    @Test
    void statusReportsStorageVersionQuotaAndNoDowngrade() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                StatusResponse status = MaintenanceGrpc.newBlockingStub(channel).status(StatusRequest.getDefaultInstance());
                assertThat(status.getVersion()).isEqualTo("3.5.30");
                assertThat(status.getStorageVersion()).isEqualTo("3.5.0");
                assertThat(status.getDbSizeQuota()).as("--quota-backend-bytes 0 is etcd's 2 GiB").isEqualTo(2L << 30);
                assertThat(status.hasDowngradeInfo()).isTrue();
                assertThat(status.getDowngradeInfo().getEnabled()).isFalse();
                assertThat(status.getDowngradeInfo().getTargetVersion()).isEmpty();
                assertThat(status.getHeader().getMemberId()).isEqualTo(cluster.memberId(0));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
