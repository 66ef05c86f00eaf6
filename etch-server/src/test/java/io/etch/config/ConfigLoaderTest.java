package io.etch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Map<String, String> NO_ENV = Map.of();

    /** A single member on non-default loopback ports, valid for bootstrap. */
    private static final String[] SINGLE = {
        "--name", "x",
        "--listen-client-urls", "http://127.0.0.1:23790",
        "--advertise-client-urls", "http://127.0.0.1:23790",
        "--listen-peer-urls", "http://127.0.0.1:23800",
        "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
        "--initial-cluster", "x=http://127.0.0.1:23800",
    };

    private static EtchConfig load(String... args) throws ConfigException {
        return ConfigLoader.load(args, NO_ENV);
    }

    private static String[] with(String[] base, String... more) {
        String[] out = new String[base.length + more.length];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }

    @Test
    void defaultsAreEtcds() throws Exception {
        EtchConfig c = load();
        assertThat(c.name()).isEqualTo("default");
        assertThat(c.dataDir()).isEqualTo("default.etcd");
        assertThat(c.walDir()).isEmpty();
        assertThat(c.listenClientUrls()).containsExactly("http://localhost:2379");
        assertThat(c.advertiseClientUrls()).containsExactly("http://localhost:2379");
        assertThat(c.listenPeerUrls()).containsExactly("http://localhost:2380");
        assertThat(c.initialAdvertisePeerUrls()).containsExactly("http://localhost:2380");
        assertThat(c.listenMetricsUrls()).isEmpty();
        assertThat(c.initialCluster()).isEqualTo("default=http://localhost:2380");
        assertThat(c.initialClusterMembers().peerUrls("default")).containsExactly("http://localhost:2380");
        assertThat(c.initialClusterState()).isEqualTo("new");
        assertThat(c.isNewCluster()).isTrue();
        assertThat(c.initialClusterToken()).isEqualTo("etcd-cluster");
        assertThat(c.snapshotCount()).isEqualTo(10_000); // etcd 3.6 lowered it from 100,000
        assertThat(c.quotaBackendBytes()).isZero();
        assertThat(c.effectiveQuotaBackendBytes()).isEqualTo(2L << 30);
        assertThat(c.maxRequestBytes()).isEqualTo(1_572_864);
        assertThat(c.maxTxnOps()).isEqualTo(128);
        assertThat(c.autoCompactionMode()).isEqualTo("periodic");
        assertThat(c.autoCompactionRetention()).isEqualTo("0");
        assertThat(c.autoCompactionEnabled()).isFalse();
        assertThat(c.heartbeatIntervalMs()).isEqualTo(100);
        assertThat(c.electionTimeoutMs()).isEqualTo(1000);
        assertThat(c.electionTicks()).isEqualTo(10);
        assertThat(c.logLevel()).isEqualTo("info");
        assertThat(c.logger()).isEqualTo("zap");
        assertThat(c.logOutputs()).containsExactly("default");
        assertThat(c.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.enablePprof()).isFalse();
        assertThat(c.metrics()).isEqualTo("basic");
        assertThat(c.clientTls().isEmpty()).isTrue();
        assertThat(c.clientTls().clientCertAuth()).isFalse();
        assertThat(c.peerTls().autoTls()).isFalse();
        assertThat(c.enableV2()).isFalse();
        assertThat(c.forceNewCluster()).isFalse();
        assertThat(c.strictReconfigCheck()).isTrue();
        assertThat(c.preVote()).isTrue();
        assertThat(c.maxConcurrentStreams()).isEqualTo(4_294_967_295L);
        assertThat(c.grpcKeepAliveInterval()).isEqualTo(Duration.ofHours(2));
        assertThat(c.authToken()).isEqualTo("simple");
        assertThat(c.bcryptCost()).isEqualTo(10);
        assertThat(c.authTokenTtlSeconds()).isEqualTo(300);
        assertThat(c.enableGrpcGateway()).isTrue();
        assertThat(c.configFile()).isEmpty();
        assertThat(c.printHelp()).isFalse();
        assertThat(c.printVersion()).isFalse();
        assertThat(c.explicitlySet()).isEmpty();
        assertThat(c.warnings()).isEmpty();
        assertThat(c.extra("experimental-compaction-batch-limit")).isEqualTo("0");
        assertThat(c.extra("max-snapshots")).isEqualTo("5");
        assertThat(c.extra("discovery")).isEmpty();
        assertThat(EtchConfig.defaults()).isEqualTo(c);
    }

    @Test
    void flagsInBothFormsAndBothDashStyles() throws Exception {
        EtchConfig c = load(with(SINGLE, "--data-dir=/var/lib/x", "-snapshot-count", "5000",
                "--quota-backend-bytes=8589934592", "--experimental-watch-progress-notify-interval", "5s",
                "--auto-compaction-mode=revision", "--auto-compaction-retention", "1000",
                "--heartbeat-interval=50", "--election-timeout", "500", "--log-level", "debug",
                "--log-outputs=stdout,stderr", "--initial-cluster-token=tok", "--max-txn-ops", "0x100"));
        assertThat(c.dataDir()).isEqualTo("/var/lib/x");
        assertThat(c.snapshotCount()).isEqualTo(5000);
        assertThat(c.quotaBackendBytes()).isEqualTo(8L << 30);
        assertThat(c.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.autoCompactionMode()).isEqualTo("revision");
        assertThat(c.autoCompactionRevisions()).isEqualTo(1000);
        assertThat(c.heartbeatIntervalMs()).isEqualTo(50);
        assertThat(c.electionTimeoutMs()).isEqualTo(500);
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.logOutputs()).containsExactly("stderr", "stdout"); // etcd sorts them
        assertThat(c.initialClusterToken()).isEqualTo("tok");
        assertThat(c.maxTxnOps()).isEqualTo(256);
        assertThat(c.explicitlySet()).contains("data-dir", "snapshot-count", "name");
    }

    @Test
    void booleanFlagsStandAloneOrTakeAnAttachedValue() throws Exception {
        EtchConfig c = load(with(SINGLE, "--enable-v2", "--strict-reconfig-check=false", "--force-new-cluster=true",
                "--client-cert-auth", "--cert-file", "/c.pem", "--key-file=/k.pem", "--trusted-ca-file", "/ca.pem",
                "--auto-tls=1", "--peer-client-cert-auth", "--peer-cert-file=/pc.pem", "--peer-key-file", "/pk.pem",
                "--peer-trusted-ca-file", "/pca.pem", "--peer-auto-tls", "--peer-cert-allowed-cn", "a,b",
                "--enable-pprof", "--metrics", "extensive", "--pre-vote=false"));
        assertThat(c.enableV2()).isTrue();
        assertThat(c.strictReconfigCheck()).isFalse();
        assertThat(c.forceNewCluster()).isTrue();
        assertThat(c.preVote()).isFalse();
        assertThat(c.clientTls()).isEqualTo(new TlsSettings("/c.pem", "/k.pem", "", "", "/ca.pem", "", true, true,
                List.of(), List.of()));
        assertThat(c.peerTls()).isEqualTo(new TlsSettings("/pc.pem", "/pk.pem", "", "", "/pca.pem", "", true, true,
                List.of("a", "b"), List.of()));
        assertThat(c.enablePprof()).isTrue();
        assertThat(c.metrics()).isEqualTo("extensive");
    }

    @Test
    void aBooleanDoesNotTakeTheNextWord() {
        // Go's flag package reads "false" as the first non-flag word, which etcd refuses.
        assertThatThrownBy(() -> load(with(SINGLE, "--enable-v2", "false")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("'false' is not a valid flag");
    }

    @Test
    void environmentFillsFlagsNotGiven() throws Exception {
        Map<String, String> env = Map.of(
                "ETCD_NAME", "x",
                "ETCD_DATA_DIR", "/data/x",
                "ETCD_INITIAL_CLUSTER", "x=http://127.0.0.1:23800",
                "ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://127.0.0.1:23800",
                "ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:23790",
                "ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:23790",
                "ETCD_ENABLE_V2", "true",
                "ETCD_SNAPSHOT_COUNT", "",
                "PATH", "/usr/bin");
        EtchConfig c = ConfigLoader.load(new String[0], env);
        assertThat(c.name()).isEqualTo("x");
        assertThat(c.dataDir()).isEqualTo("/data/x");
        assertThat(c.initialClusterMembers().peerUrls("x")).containsExactly("http://127.0.0.1:23800");
        assertThat(c.listenClientUrls()).containsExactly("http://127.0.0.1:23790");
        assertThat(c.enableV2()).isTrue();
        assertThat(c.snapshotCount()).isEqualTo(10_000); // an empty variable is not a value
        assertThat(c.explicitlySet()).contains("name", "data-dir").doesNotContain("snapshot-count");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void flagAndItsEnvironmentVariableTogetherAreRefusedAsEtcdDoes() {
        Map<String, String> env = Map.of("ETCD_DATA_DIR", "/from/env");
        assertThatThrownBy(() -> ConfigLoader.load(with(SINGLE, "--data-dir", "/from/flag"), env))
                .isInstanceOf(ConfigException.class)
                .hasMessage("conflicting environment variable \"ETCD_DATA_DIR\" is shadowed by corresponding "
                        + "command-line flag (either unset environment variable or disable flag)");
    }

    @Test
    void environmentFillsOnlyFlagsNotGiven() throws Exception {
        EtchConfig c = ConfigLoader.load(with(SINGLE, "--data-dir", "/from/flag"), Map.of("ETCD_SNAPSHOT_COUNT", "7"));
        assertThat(c.dataDir()).isEqualTo("/from/flag");
        assertThat(c.snapshotCount()).isEqualTo(7);
    }

    @Test
    void environmentValuesAreChecked() {
        assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("ETCD_SNAPSHOT_COUNT", "abc")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid value \"abc\" for ETCD_SNAPSHOT_COUNT: parse error");
    }

    @Test
    void unknownEnvironmentVariablesAreWarnedAbout() throws Exception {
        EtchConfig c = ConfigLoader.load(new String[0], Map.of("ETCD_NO_SUCH_THING", "1", "ETCDCTL_API", "3"));
        assertThat(c.warnings()).containsExactly("unrecognized environment variable ETCD_NO_SUCH_THING=1");
    }

    @Test
    void configFileReplacesFlagsAndEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("etcd.yaml");
        Files.writeString(file, """
                name: x
                data-dir: /var/lib/etcd/x
                listen-client-urls: http://127.0.0.1:23790,http://127.0.0.1:23791
                advertise-client-urls: http://127.0.0.1:23790
                listen-peer-urls: http://127.0.0.1:23800
                initial-advertise-peer-urls: http://127.0.0.1:23800
                initial-cluster: x=http://127.0.0.1:23800
                initial-cluster-state: existing
                initial-cluster-token: tok
                snapshot-count: 5000
                quota-backend-bytes: 8589934592
                enable-v2: true
                experimental-watch-progress-notify-interval: 5000000000
                grpc-keepalive-timeout: 30s
                log-outputs: [stderr]
                wal-dir:
                client-transport-security:
                  cert-file: /c.pem
                  key-file: /k.pem
                  client-cert-auth: true
                  trusted-ca-file: /ca.pem
                peer-transport-security:
                  auto-tls: true
                  allowed-cn: peer
                socket-options:
                  reuse-port: true
                experimental-snapshot-catch-up-entries: 100
                no-such-key: 1
                """);
        EtchConfig c = ConfigLoader.load(new String[] {"--config-file", file.toString(), "--name", "ignored"},
                Map.of("ETCD_DATA_DIR", "/ignored"));
        assertThat(c.configFile()).isEqualTo(file.toString());
        assertThat(c.name()).isEqualTo("x");
        assertThat(c.dataDir()).isEqualTo("/var/lib/etcd/x");
        assertThat(c.walDir()).isEmpty();
        assertThat(c.listenClientUrls()).containsExactly("http://127.0.0.1:23790", "http://127.0.0.1:23791");
        assertThat(c.initialClusterState()).isEqualTo("existing");
        assertThat(c.initialClusterToken()).isEqualTo("tok");
        assertThat(c.snapshotCount()).isEqualTo(5000);
        assertThat(c.quotaBackendBytes()).isEqualTo(8L << 30);
        assertThat(c.enableV2()).isTrue();
        assertThat(c.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.grpcKeepAliveTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.logOutputs()).containsExactly("stderr");
        assertThat(c.clientTls().certFile()).isEqualTo("/c.pem");
        assertThat(c.clientTls().keyFile()).isEqualTo("/k.pem");
        assertThat(c.clientTls().clientCertAuth()).isTrue();
        assertThat(c.clientTls().trustedCaFile()).isEqualTo("/ca.pem");
        assertThat(c.peerTls().autoTls()).isTrue();
        assertThat(c.peerTls().allowedCns()).containsExactly("peer");
        assertThat(c.extra("socket-reuse-port")).isEqualTo("true");
        assertThat(c.extra("experimental-snapshot-catchup-entries")).isEqualTo("100");
        assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("no-such-key"));
        assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("ignored"));
    }

    @Test
    void configFileFromEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("etcd.yml");
        Files.writeString(file, "name: fromfile\n");
        EtchConfig c = ConfigLoader.load(new String[0], Map.of("ETCD_CONFIG_FILE", file.toString()));
        assertThat(c.name()).isEqualTo("fromfile");
        // in a file too, a changed name takes over etcd's default initial cluster
        assertThat(c.initialCluster()).isEqualTo("fromfile=http://localhost:2380");
        assertThat(c.dataDir()).isEqualTo("fromfile.etcd");
    }

    @Test
    void configFileErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> load("--config-file", dir.resolve("missing.yaml").toString()))
                .hasMessageContaining("no such file or directory");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "listen-peer-urls: http://127.0.0.1:2380/path\n");
        assertThatThrownBy(() -> load("--config-file", bad.toString()))
                .hasMessage("unexpected error setting up listen-peer-urls: URL must not contain a path: "
                        + "http://127.0.0.1:2380/path");
        Path state = dir.resolve("state.yaml");
        Files.writeString(state, "initial-cluster-state: maybe\n");
        assertThatThrownBy(() -> load("--config-file", state.toString()))
                .hasMessage("unexpected clusterState \"maybe\"");
    }

    @Test
    void unknownFlagIsNamed() {
        assertThatThrownBy(() -> load("--name", "x", "--foo", "bar"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("flag provided but not defined: --foo")
                .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ConfigException.USAGE));
        assertThatThrownBy(() -> load("-foo=1")).hasMessage("flag provided but not defined: -foo");
    }

    @Test
    void everyEtcdFlagIsAccepted() throws Exception {
        EtchConfig c = load(with(SINGLE, "--max-snapshots", "3", "--max-wals=2", "--backend-batch-interval", "10ms",
                "--grpc-keepalive-min-time", "1s", "--discovery-fallback", "exit", "--experimental-initial-corrupt-check",
                "--experimental-corrupt-check-time", "1m", "--experimental-enable-lease-checkpoint",
                "--experimental-enable-lease-checkpoint-persist", "--experimental-compaction-batch-limit", "500",
                "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "--cors", "*", "--host-whitelist", "b,a",
                "--auth-token", "jwt,pub-key=x", "--unsafe-no-fsync", "--v2-deprecation", "write-only",
                "--listen-metrics-urls", "http://127.0.0.1:23810", "--socket-reuse-address",
                "--experimental-memory-mlock", "--tls-min-version", "TLS1.2", "--log-rotation-config-json", "{}",
                "--raft-read-timeout", "7s", "--experimental-max-learners", "2", "--self-signed-cert-validity", "3",
                "--v", "--peer-heartbeat-interval=10", "--debug", "--feature-gates", "SetMemberLocalAddr=true",
                "--watch-progress-notify-interval", "1m"));
        assertThat(c.extra("max-snapshots")).isEqualTo("3");
        assertThat(c.extra("backend-batch-interval")).isEqualTo("10ms");
        assertThat(c.extra("host-whitelist")).isEqualTo("a,b");
        assertThat(c.extra("raft-read-timeout")).isEqualTo("7s");
        assertThat(c.listenMetricsUrls()).containsExactly("http://127.0.0.1:23810");
        assertThat(c.logLevel()).isEqualTo("debug"); // etcd 3.4's --debug
        assertThat(c.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.warnings()).contains("flag \"-v\" is no longer supported - ignoring.",
                "flag \"-peer-heartbeat-interval\" is no longer supported - ignoring.");
    }

    @Test
    void etcd36NamesAndTheirExperimentalAliasesSetTheSameThing() throws Exception {
        EtchConfig renamed = load(with(SINGLE, "--watch-progress-notify-interval", "7s",
                "--snapshot-catchup-entries", "42", "--max-learners", "3"));
        assertThat(renamed.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(renamed.extra("experimental-snapshot-catchup-entries")).isEqualTo("42");
        assertThat(renamed.extra("experimental-max-learners")).isEqualTo("3");
        assertThat(renamed.warnings()).isEmpty();

        EtchConfig old = load(with(SINGLE, "--experimental-watch-progress-notify-interval", "8s",
                "--experimental-snapshot-catchup-entries", "43"));
        assertThat(old.experimentalWatchProgressNotifyInterval()).isEqualTo(Duration.ofSeconds(8));
        assertThat(old.extra("snapshot-catchup-entries")).isEqualTo("43");
        assertThat(old.warnings()).contains(
                "--experimental-watch-progress-notify-interval is deprecated in v3.6 and will be decommissioned in v3.7."
                        + " Use '--watch-progress-notify-interval' instead.",
                "--experimental-snapshot-catchup-entries is deprecated in v3.6 and will be decommissioned in v3.7."
                        + " Use '--snapshot-catchup-entries' instead.");
        assertThat(old.explicitlySet()).contains("experimental-watch-progress-notify-interval")
                .doesNotContain("watch-progress-notify-interval");

        assertThatThrownBy(() -> load(with(SINGLE, "--experimental-snapshot-catchup-entries", "1",
                "--snapshot-catchup-entries", "2")))
                .hasMessage("cannot set --experimental-snapshot-catchup-entries and --snapshot-catchup-entries at the"
                        + " same time, please use --snapshot-catchup-entries only");
    }

    @Test
    void featureGatesSetTheExperimentalSwitchesAndAreChecked() throws Exception {
        EtchConfig c = load(with(SINGLE, "--feature-gates", "LeaseCheckpoint=true,LeaseCheckpointPersist=true"));
        assertThat(c.extra("experimental-enable-lease-checkpoint")).isEqualTo("true");
        assertThat(c.extra("experimental-enable-lease-checkpoint-persist")).isEqualTo("true");
        assertThat(c.extra("experimental-txn-mode-write-with-shared-buffer")).isEqualTo("true");

        EtchConfig alpha = load(with(SINGLE, "--feature-gates=AllAlpha=true,CompactHashCheck=false"));
        assertThat(alpha.extra("experimental-initial-corrupt-check")).isEqualTo("true");
        assertThat(alpha.extra("experimental-compact-hash-check-enabled")).isEqualTo("false");

        // The persist gate alone is refused with the message of the experimental flag it stands for.
        assertThatThrownBy(() -> load(with(SINGLE, "--feature-gates", "LeaseCheckpointPersist=true")))
                .hasMessageContaining("requires experimental-enable-lease-checkpoint");
        assertThatThrownBy(() -> load(with(SINGLE, "--feature-gates", "NoSuchGate=true")))
                .hasMessage("invalid value \"NoSuchGate=true\" for flag -feature-gates: unrecognized feature gate:"
                        + " NoSuchGate");
        assertThatThrownBy(() -> load(with(SINGLE, "--feature-gates", "InitialCorruptCheck")))
                .hasMessageEndingWith("missing bool value for InitialCorruptCheck");
        assertThatThrownBy(() -> load(with(SINGLE, "--feature-gates", "InitialCorruptCheck=yes")))
                .hasMessageContaining("invalid value of InitialCorruptCheck=yes");
        assertThatThrownBy(() -> load(with(SINGLE, "--experimental-initial-corrupt-check",
                "--feature-gates", "InitialCorruptCheck=false")))
                .hasMessage("cannot specify both flags: --experimental-initial-corrupt-check=true and"
                        + " --feature-gates=InitialCorruptCheck=false at the same time, please just use"
                        + " --feature-gates=InitialCorruptCheck=false");
        assertThat(load(with(SINGLE, "--experimental-initial-corrupt-check")).warnings()).contains(
                "--experimental-initial-corrupt-check is deprecated in v3.6 and will be decommissioned in v3.7."
                        + " Use '--feature-gates=InitialCorruptCheck=true' instead.");
    }

    @Test
    void badUrlIsRefusedAsEtcdDoes() {
        assertThatThrownBy(() -> load("--listen-client-urls", "ftp://127.0.0.1:2379"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid value \"ftp://127.0.0.1:2379\" for flag -listen-client-urls: "
                        + "URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:2379");
        assertThatThrownBy(() -> load("--listen-peer-urls", "http://127.0.0.1"))
                .hasMessageEndingWith("URL address does not have the form \"host:port\": http://127.0.0.1");
        assertThatThrownBy(() -> load("--listen-peer-urls=http://127.0.0.1:2380/x"))
                .hasMessageEndingWith("URL must not contain a path: http://127.0.0.1:2380/x");
        assertThatThrownBy(() -> load("--initial-advertise-peer-urls", "127.0.0.1:2380"))
                .hasMessageContaining("first path segment in URL cannot contain colon");
    }

    @Test
    void listenersNeedAnIpOrLocalhost() {
        assertThatThrownBy(() -> load("--listen-client-urls", "http://example.com:2379",
                "--advertise-client-urls", "http://example.com:2379"))
                .hasMessage("expected IP in URL for binding (http://example.com:2379)");
    }

    @Test
    void listenClientUrlsWithoutAdvertiseIsAnError() {
        assertThatThrownBy(() -> load("--listen-client-urls", "http://127.0.0.1:23790"))
                .hasMessage("--advertise-client-urls is required when --listen-client-urls is set explicitly");
    }

    @Test
    void missingLocalNameInInitialCluster() {
        assertThatThrownBy(() -> load("--name", "x", "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
                "--initial-cluster", "y=http://127.0.0.1:23800"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("couldn't find local name \"x\" in the initial cluster configuration");
        // etcd holds a joining member to the same rule
        assertThatThrownBy(() -> load("--name", "x", "--initial-cluster-state", "existing",
                "--initial-cluster", "y=http://127.0.0.1:23800"))
                .hasMessage("couldn't find local name \"x\" in the initial cluster configuration");
    }

    @Test
    void parseSkipsTheBootstrapChecksForARestart() throws Exception {
        EtchConfig c = ConfigLoader.parse(new String[] {"--name", "x", "--initial-cluster", "y=http://127.0.0.1:23800"},
                NO_ENV);
        assertThat(c.initialClusterMembers().contains("x")).isFalse();
        assertThatThrownBy(c::verifyBootstrap).isInstanceOf(ConfigException.class);
    }

    @Test
    void advertisedPeerUrlsMustMatchTheInitialCluster() {
        assertThatThrownBy(() -> load("--name", "x", "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
                "--initial-cluster", "x=http://127.0.0.1:23801"))
                .hasMessage("--initial-cluster has x=http://127.0.0.1:23801 but missing from "
                        + "--initial-advertise-peer-urls=http://127.0.0.1:23800 "
                        + "(resolved urls: \"http://127.0.0.1:23800\" != \"http://127.0.0.1:23801\")");
        assertThatThrownBy(() -> load("--name", "x",
                "--initial-advertise-peer-urls", "http://127.0.0.1:23800,http://127.0.0.1:23805",
                "--initial-cluster", "x=http://127.0.0.1:23800"))
                .hasMessage("--initial-advertise-peer-urls has http://127.0.0.1:23805 but missing from "
                        + "--initial-cluster=x=http://127.0.0.1:23800,x=http://127.0.0.1:23805");
        assertThatThrownBy(() -> load("--name", "x", "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
                "--initial-cluster", "x=http://127.0.0.1:23800,y=http://127.0.0.1:23800"))
                .hasMessage("initial cluster x=http://127.0.0.1:23800,y=http://127.0.0.1:23800 has duplicate url");
    }

    @Test
    void localhostIsNotResolvedToMatchLoopback() {
        // what etcd 3.4.23 says for the same flags: it resolves host names, but not "localhost"
        assertThatThrownBy(() -> load("--name", "x", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "x=http://localhost:2380"))
                .hasMessage("--initial-cluster has x=http://localhost:2380 but missing from "
                        + "--initial-advertise-peer-urls=http://127.0.0.1:2380 "
                        + "(resolved urls: \"http://127.0.0.1:2380\" != \"http://localhost:2380\")");
    }

    @Test
    void nameAloneBuildsTheInitialCluster() throws Exception {
        EtchConfig c = load("--name", "n1", "--initial-advertise-peer-urls",
                "http://127.0.0.1:23801,http://127.0.0.1:23800");
        assertThat(c.initialCluster()).isEqualTo("n1=http://127.0.0.1:23800,n1=http://127.0.0.1:23801");
        assertThat(c.dataDir()).isEqualTo("n1.etcd");
    }

    @Test
    void badInitialClusterUrl() {
        assertThatThrownBy(() -> load("--name", "x", "--initial-cluster", "x=ftp://127.0.0.1:23800"))
                .hasMessage("error setting up initial cluster: "
                        + "URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:23800");
    }

    @Test
    void valuesAreCheckedAsEtcdChecksThem() {
        assertThatThrownBy(() -> load("--snapshot-count", "abc"))
                .hasMessage("invalid value \"abc\" for flag -snapshot-count: parse error");
        assertThatThrownBy(() -> load("--initial-cluster-state", "foo"))
                .hasMessage("invalid value \"foo\" for flag -initial-cluster-state: invalid value");
        assertThatThrownBy(() -> load("--enable-v2=maybe"))
                .hasMessage("invalid boolean value \"maybe\" for -enable-v2: parse error");
        assertThatThrownBy(() -> load("--name"))
                .hasMessage("flag needs an argument: -name");
        assertThatThrownBy(() -> load("--heartbeat-interval", "500"))
                .hasMessage("--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[500ms]");
        assertThatThrownBy(() -> load("--election-timeout", "60000"))
                .hasMessage("--election-timeout[60000ms] is too long, and should be set less than 50000ms");
        assertThatThrownBy(() -> load("--auto-compaction-mode", "foo"))
                .hasMessage("unknown auto-compaction-mode \"foo\"");
        assertThatThrownBy(() -> load("--auto-compaction-retention", "abc"))
                .hasMessage("error parsing CompactionRetention: time: invalid duration \"abc\"");
        assertThatThrownBy(() -> load("--logger", "capnslog"))
                .hasMessage("--logger=capnslog is removed in v3.5");
        assertThatThrownBy(() -> load("--discovery", "http://d/x", "--initial-cluster", "default=http://localhost:2380"))
                .hasMessageStartingWith("multiple discovery or bootstrap flags are set.");
        assertThatThrownBy(() -> load("--initial-advertise-peer-urls", "http://:2380"))
                .hasMessage("--initial-advertise-peer-urls \"http://:2380\" must be \"host:port\" "
                        + "(unexpected empty host (http://:2380))");
    }

    @Test
    void compactionRetentionReadsHoursOrDurations() throws Exception {
        assertThat(load("--auto-compaction-retention", "5").autoCompactionPeriod()).isEqualTo(Duration.ofHours(5));
        assertThat(load("--auto-compaction-retention", "30m").autoCompactionPeriod())
                .isEqualTo(Duration.ofMinutes(30));
        assertThat(load("--auto-compaction-retention", "30m").autoCompactionEnabled()).isTrue();
    }

    @Test
    void versionAndHelpStopReading() throws Exception {
        assertThat(load("--version").printVersion()).isTrue();
        assertThat(load("--version", "--snapshot-count", "1").snapshotCount()).isEqualTo(10_000);
        assertThat(load("--help").printHelp()).isTrue();
        assertThat(load("-h", "--no-such-flag").printHelp()).isTrue();
        assertThat(ConfigLoader.helpText()).contains("--initial-cluster 'default=http://localhost:2380'",
                "--data-dir ''", "--enable-v2");
    }

    @Test
    void wordsAfterTheFlagsAreRefused() {
        assertThatThrownBy(() -> load("--name", "x", "extra"))
                .hasMessage("'extra' is not a valid flag")
                .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ConfigException.INVALID));
        assertThatThrownBy(() -> load("--", "--name")).hasMessage("'--name' is not a valid flag");
    }

    @Test
    void configIsImmutable() throws Exception {
        EtchConfig c = load();
        assertThatThrownBy(() -> c.listenClientUrls().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.extras().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.extra("name")).isInstanceOf(IllegalArgumentException.class);
    }
}
