package io.etch;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.config.ConfigLoader;
import io.etch.metrics.EtchMetrics;
import io.etch.server.ServerSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's flags reach the member's settings with their meaning, defaults included. */
class EtchMainSettingsTest {

    @Test
    void defaultsAreEtcds() throws Exception {
        ServerSettings s = EtchMain.settings(ConfigLoader.load(new String[0], Map.of()));
        assertThat(s.grpcKeepAlive()).isEqualTo(ServerSettings.GrpcKeepAlive.DEFAULTS);
        assertThat(s.preVote()).isTrue();
        assertThat(s.unsafeNoFsync()).isFalse();
        assertThat(s.maxConcurrentStreams()).isEqualTo(4_294_967_295L);
        assertThat(s.metricsLevel()).isEqualTo(EtchMetrics.Level.BASIC);
        assertThat(s.enableGrpcGateway()).isTrue();
        assertThat(s.enableUi()).isTrue();
    }

    @Test
    void flagsThatUsedToBeIgnoredNowArriveInTheSettings() throws Exception {
        ServerSettings s = EtchMain.settings(ConfigLoader.load(new String[] {
                "--grpc-keepalive-min-time", "7s", "--grpc-keepalive-interval", "30m", "--grpc-keepalive-timeout", "3s",
                "--pre-vote=false", "--unsafe-no-fsync", "--max-concurrent-streams", "17", "--metrics", "extensive",
                "--enable-grpc-gateway=false", "--enable-ui=false"}, Map.of()));
        assertThat(s.grpcKeepAlive()).isEqualTo(new ServerSettings.GrpcKeepAlive(
                Duration.ofSeconds(7), Duration.ofMinutes(30), Duration.ofSeconds(3)));
        assertThat(s.preVote()).isFalse();
        assertThat(s.unsafeNoFsync()).isTrue();
        assertThat(s.maxConcurrentStreams()).isEqualTo(17);
        assertThat(s.metricsLevel()).isEqualTo(EtchMetrics.Level.EXTENSIVE);
        assertThat(s.enableGrpcGateway()).isFalse();
        assertThat(s.enableUi()).isFalse();
    }

    @Test
    void keepAliveFlagsOfZeroOrLessMeanGrpcsDefaultsAsInEtcd() throws Exception {
        // etcd sets no enforcement policy for a min-time <= 0 (grpc-go then allows a ping every 5 minutes),
        // and no server parameters unless both interval and timeout are > 0 (grpc-go: 2 hours, 20 seconds).
        ServerSettings s = EtchMain.settings(ConfigLoader.load(new String[] {
                "--grpc-keepalive-min-time", "0s", "--grpc-keepalive-interval", "0s", "--grpc-keepalive-timeout", "3s"},
                Map.of()));
        assertThat(s.grpcKeepAlive()).isEqualTo(new ServerSettings.GrpcKeepAlive(
                Duration.ofMinutes(5), Duration.ofHours(2), Duration.ofSeconds(20)));
        s = EtchMain.settings(ConfigLoader.load(new String[] {
                "--grpc-keepalive-min-time", "-1s", "--grpc-keepalive-interval", "1m", "--grpc-keepalive-timeout", "-2s"},
                Map.of()));
        assertThat(s.grpcKeepAlive()).isEqualTo(new ServerSettings.GrpcKeepAlive(
                Duration.ofMinutes(5), Duration.ofHours(2), Duration.ofSeconds(20)));
    }

    @Test
    void maxConcurrentStreamsOfZeroMeansNoLimitAsInGrpcGo() throws Exception {
        ServerSettings s = EtchMain.settings(ConfigLoader.load(new String[] {"--max-concurrent-streams", "0"}, Map.of()));
        assertThat(s.maxConcurrentStreams()).isEqualTo(4_294_967_295L);
    }

    @Test
    void quotaBackendBytesArrivesAsTheQuotaInForce() throws Exception {
        assertThat(EtchMain.settings(ConfigLoader.load(new String[0], Map.of())).quotaBackendBytes())
                .as("0, the default, is etcd's 2 GiB").isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(EtchMain.settings(ConfigLoader.load(new String[] {"--quota-backend-bytes", "8589934592"}, Map.of()))
                .quotaBackendBytes()).isEqualTo(8L * 1024 * 1024 * 1024);
    }
}
