package io.etch.config;

import io.etch.config.FlagSpec.Kind;
import io.etch.config.FlagSpec.Section;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every flag the etcd 3.5 server accepts, with etcd's defaults, plus the names etcd 3.4 and 3.6 use, so that a
 * supervisor written for etcd can start Etch unchanged. Etch reads the ones it implements into
 * {@link EtchConfig} fields and keeps the rest, checked, in {@link EtchConfig#extras()}.
 */
final class EtcdFlags {
    static final String DEFAULT_NAME = "default";
    static final String DEFAULT_PEER_URL = "http://localhost:2380";
    static final String DEFAULT_CLIENT_URL = "http://localhost:2379";
    /** What --initial-cluster defaults to; etcd rewrites exactly this text when only --name is changed. */
    static final String DEFAULT_INITIAL_CLUSTER = DEFAULT_NAME + "=" + DEFAULT_PEER_URL;
    static final String DEFAULT_LOG_ROTATION =
            "{\"maxsize\": 100, \"maxage\": 0, \"maxbackups\": 0, \"localtime\": false, \"compress\": false}";

    /** By name, in help order. */
    static final Map<String, FlagSpec> ALL = build();

    /**
     * The keys etcd reads from a --config-file (the JSON tags of its embed.Config and etcdmain's proxy
     * settings). Other flag names found in a file are ignored, as etcd ignores them. Security settings and
     * socket options are nested and handled separately.
     */
    static final Set<String> YAML_KEYS = Set.of(
            "name", "data-dir", "wal-dir", "snapshot-count", "max-snapshots", "max-wals", "heartbeat-interval",
            "election-timeout", "initial-election-tick-advance", "backend-batch-interval", "backend-batch-limit",
            "backend-bbolt-freelist-type", "quota-backend-bytes", "max-txn-ops", "max-request-bytes",
            "max-concurrent-streams", "self-signed-cert-validity", "cipher-suites", "tls-min-version",
            "tls-max-version", "initial-cluster-state", "discovery-srv", "discovery-srv-name", "discovery-proxy",
            "discovery", "initial-cluster", "initial-cluster-token", "strict-reconfig-check", "enable-v2",
            "auto-compaction-mode", "auto-compaction-retention", "grpc-keepalive-min-time",
            "grpc-keepalive-interval", "grpc-keepalive-timeout", "pre-vote", "auth-token", "bcrypt-cost",
            "auth-token-ttl", "experimental-initial-corrupt-check", "experimental-corrupt-check-time",
            "experimental-compact-hash-check-enabled", "experimental-compact-hash-check-time",
            "experimental-enable-v2v3", "experimental-enable-lease-checkpoint",
            "experimental-enable-lease-checkpoint-persist", "experimental-compaction-batch-limit",
            "experimental-compaction-sleep-interval", "experimental-watch-progress-notify-interval",
            "experimental-warning-apply-duration", "experimental-bootstrap-defrag-threshold-megabytes",
            "experimental-max-learners", "force-new-cluster", "enable-pprof", "metrics", "listen-metrics-urls", "enable-ui",
            "experimental-enable-distributed-tracing", "experimental-distributed-tracing-address",
            "experimental-distributed-tracing-service-name", "experimental-distributed-tracing-instance-id",
            "experimental-distributed-tracing-sampling-rate", "logger", "log-level", "log-outputs",
            "enable-log-rotation", "log-rotation-config-json", "enable-grpc-gateway", "unsafe-no-fsync",
            "experimental-downgrade-check-time", "experimental-memory-mlock",
            "experimental-txn-mode-write-with-shared-buffer", "experimental-stop-grpc-service-on-defrag",
            "v2-deprecation", "listen-peer-urls", "listen-client-urls", "listen-client-http-urls",
            "initial-advertise-peer-urls", "advertise-client-urls", "cors", "host-whitelist",
            "proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout",
            "proxy-read-timeout", "discovery-fallback",
            // etcd 3.4 file keys
            "experimental-backend-bbolt-freelist-type", "log-output", "debug", "log-package-levels",
            // later 3.5 releases
            "experimental-warning-unary-request-duration", "experimental-wait-cluster-ready-timeout",
            // etcd 3.6 file keys
            "snapshot-catchup-entries", "compact-hash-check-time", "corrupt-check-time", "compaction-batch-limit",
            "compaction-sleep-interval", "watch-progress-notify-interval", "warning-apply-duration",
            "warning-unary-request-duration", "bootstrap-defrag-threshold-megabytes", "memory-mlock",
            "downgrade-check-time", "max-learners", "enable-distributed-tracing", "distributed-tracing-address",
            "distributed-tracing-service-name", "distributed-tracing-instance-id",
            "distributed-tracing-sampling-rate", "feature-gates", "log-format");

    /** File keys whose name differs from the flag they set. */
    static final Map<String, String> YAML_ALIASES =
            Map.of("experimental-snapshot-catch-up-entries", "experimental-snapshot-catchup-entries");

    private EtcdFlags() {}

    static FlagSpec spec(String name) {
        return ALL.get(name);
    }

    private static Map<String, FlagSpec> build() {
        Table t = new Table();
        Section s = Section.MEMBER;
        t.add("name", Kind.STRING, DEFAULT_NAME, s, "Human-readable name for this member.");
        t.add("data-dir", Kind.STRING, "", s, "Path to the data directory (default '${name}.etcd').");
        t.add("wal-dir", Kind.STRING, "", s, "Path to a dedicated WAL directory.");
        t.add("snapshot-count", Kind.UINT, "10000", s, "Committed transactions that trigger a snapshot to disk (etcd 3.6 default).");
        t.add("heartbeat-interval", Kind.UINT, "100", s, "Time (in milliseconds) of a heartbeat interval.");
        t.add("election-timeout", Kind.UINT, "1000", s, "Time (in milliseconds) for an election to time out.");
        t.add("initial-election-tick-advance", Kind.BOOL, "true", s,
                "Fast-forward initial election ticks on boot for a faster election.");
        t.add("listen-peer-urls", Kind.URLS, DEFAULT_PEER_URL, s, "URLs to listen on for peer traffic.");
        t.add("listen-client-urls", Kind.URLS, DEFAULT_CLIENT_URL, s, "URLs to listen on for client traffic.");
        t.add("listen-client-http-urls", Kind.URLS, "", s,
                "URLs to listen on for HTTP-only client traffic (removes HTTP from --listen-client-urls).");
        t.add("max-snapshots", Kind.UINT, "5", s, "Snapshot files to retain (0 is unlimited).");
        t.add("max-wals", Kind.UINT, "5", s, "WAL files to retain (0 is unlimited).");
        t.add("quota-backend-bytes", Kind.INT, "0", s,
                "Backend size that raises a NOSPACE alarm (0 means the default, 2 GiB).");
        t.add("backend-bbolt-freelist-type", Kind.STRING, "map", s, "bbolt freelist type (array or map).");
        t.add("backend-batch-interval", Kind.DURATION, "0s", s, "Longest time before a backend commit.");
        t.add("backend-batch-limit", Kind.INT, "0", s, "Most operations before a backend commit.");
        t.add("max-txn-ops", Kind.UINT, "128", s, "Most operations permitted in one transaction.");
        t.add("max-request-bytes", Kind.UINT, "1572864", s, "Largest client request, in bytes, the server accepts.");
        t.add("max-concurrent-streams", Kind.UINT32, "4294967295", s,
                "Most concurrent streams each client can open.");
        t.add("grpc-keepalive-min-time", Kind.DURATION, "5s", s, "Shortest interval a client may ping the server.");
        t.add("grpc-keepalive-interval", Kind.DURATION, "2h0m0s", s,
                "Server-to-client ping interval (0 to disable).");
        t.add("grpc-keepalive-timeout", Kind.DURATION, "20s", s,
                "Wait before closing a connection that does not answer a ping (0 to disable).");
        t.add("socket-reuse-port", Kind.BOOL, "false", s, "Set SO_REUSEPORT on listeners.");
        t.add("socket-reuse-address", Kind.BOOL, "false", s, "Set SO_REUSEADDR on listeners.");
        t.add("raft-read-timeout", Kind.DURATION, "5s", s, "Read timeout of each peer connection.");
        t.add("raft-write-timeout", Kind.DURATION, "5s", s, "Write timeout of each peer connection.");

        s = Section.CLUSTERING;
        t.add("initial-advertise-peer-urls", Kind.URLS, DEFAULT_PEER_URL, s,
                "This member's peer URLs to advertise to the rest of the cluster.");
        t.add("initial-cluster", Kind.STRING, DEFAULT_INITIAL_CLUSTER, s,
                "Initial cluster configuration for bootstrapping (name=peerURL,...).");
        t.add("initial-cluster-state", Kind.CHOICE, "new", s, List.of("new", "existing"),
                "Initial cluster state ('new' or 'existing').");
        t.add("initial-cluster-token", Kind.STRING, "etcd-cluster", s,
                "Initial cluster token, kept distinct between clusters.");
        t.add("advertise-client-urls", Kind.URLS, DEFAULT_CLIENT_URL, s,
                "This member's client URLs to advertise to clients.");
        t.add("discovery", Kind.STRING, "", s, "Discovery URL used to bootstrap the cluster.");
        t.add("discovery-fallback", Kind.CHOICE, "proxy", s, List.of("proxy", "exit"),
                "What to do when discovery fails ('exit' or 'proxy').");
        t.add("discovery-proxy", Kind.STRING, "", s, "HTTP proxy for traffic to the discovery service.");
        t.add("discovery-srv", Kind.STRING, "", s, "DNS SRV domain used to bootstrap the cluster.");
        t.add("discovery-srv-name", Kind.STRING, "", s, "Suffix of the DNS SRV name queried when bootstrapping.");
        t.add("strict-reconfig-check", Kind.BOOL, "true", s,
                "Reject reconfiguration requests that would cause quorum loss.");
        t.add("pre-vote", Kind.BOOL, "true", s, "Run raft's pre-vote phase before an election.");
        t.add("auto-compaction-retention", Kind.STRING, "0", s,
                "Auto compaction retention (0 disables auto compaction).");
        t.add("auto-compaction-mode", Kind.STRING, "periodic", s,
                "How to read the retention: 'periodic' (a duration, hours if no unit) or 'revision'.");
        t.add("enable-v2", Kind.BOOL, "false", s, "Accept etcd v2 client requests.");
        t.add("experimental-enable-v2v3", Kind.STRING, "", s, "v3 prefix for serving emulated v2 state.");
        t.add("v2-deprecation", Kind.CHOICES, "not-yet", s,
                List.of("not-yet", "write-only", "write-only-drop-data", "gone"), "Phase of v2store deprecation.");

        s = Section.PROXY;
        t.add("proxy", Kind.CHOICE, "off", s, List.of("off", "readonly", "on"),
                "Proxy mode ('off', 'readonly' or 'on').");
        t.add("proxy-failure-wait", Kind.UINT, "5000", s, "Time (ms) an endpoint is held in a failed state.");
        t.add("proxy-refresh-interval", Kind.UINT, "30000", s, "Time (ms) between endpoint refreshes.");
        t.add("proxy-dial-timeout", Kind.UINT, "1000", s, "Time (ms) for a dial to time out.");
        t.add("proxy-write-timeout", Kind.UINT, "5000", s, "Time (ms) for a write to time out.");
        t.add("proxy-read-timeout", Kind.UINT, "0", s, "Time (ms) for a read to time out.");

        s = Section.SECURITY;
        t.add("cert-file", Kind.STRING, "", s, "Client server TLS certificate file.");
        t.add("key-file", Kind.STRING, "", s, "Client server TLS key file.");
        t.add("client-cert-auth", Kind.BOOL, "false", s, "Require client certificates.");
        t.add("client-cert-file", Kind.STRING, "", s, "Certificate to present when this server acts as a client.");
        t.add("client-key-file", Kind.STRING, "", s, "Key to use when this server acts as a client.");
        t.add("client-crl-file", Kind.STRING, "", s, "Client certificate revocation list file.");
        t.add("client-cert-allowed-hostname", Kind.STRINGS, "", s,
                "Comma-separated SAN hostnames allowed for client certificate authentication.");
        t.add("trusted-ca-file", Kind.STRING, "", s, "CA file trusted for client certificates.");
        t.add("auto-tls", Kind.BOOL, "false", s, "Client TLS with generated certificates.");
        t.add("peer-cert-file", Kind.STRING, "", s, "Peer server TLS certificate file.");
        t.add("peer-key-file", Kind.STRING, "", s, "Peer server TLS key file.");
        t.add("peer-client-cert-auth", Kind.BOOL, "false", s, "Require peer client certificates.");
        t.add("peer-client-cert-file", Kind.STRING, "", s, "Certificate to present to other peers as a client.");
        t.add("peer-client-key-file", Kind.STRING, "", s, "Key to use towards other peers as a client.");
        t.add("peer-trusted-ca-file", Kind.STRING, "", s, "CA file trusted for peer certificates.");
        t.add("peer-cert-allowed-cn", Kind.STRINGS, "", s, "Comma-separated CNs allowed for peer authentication.");
        t.add("peer-cert-allowed-hostname", Kind.STRINGS, "", s,
                "Comma-separated SAN hostnames allowed for peer authentication.");
        t.add("peer-auto-tls", Kind.BOOL, "false", s, "Peer TLS with generated certificates.");
        t.add("self-signed-cert-validity", Kind.UINT, "1", s, "Validity, in years, of generated certificates.");
        t.add("peer-crl-file", Kind.STRING, "", s, "Peer certificate revocation list file.");
        t.add("cipher-suites", Kind.STRINGS, "", s, "Comma-separated TLS cipher suites (empty: the runtime's).");
        t.add("cors", Kind.CORS, "*", s, "Comma-separated CORS origins ('*' allows all).");
        t.add("host-whitelist", Kind.UNIQUE_STRINGS, "*", s,
                "Hostnames accepted in HTTP requests when not secure ('*' allows all).");
        t.add("tls-min-version", Kind.STRING, "TLS1.2", s, "Minimum TLS version (TLS1.2 or TLS1.3).");
        t.add("tls-max-version", Kind.STRING, "", s, "Maximum TLS version (TLS1.2, TLS1.3, empty: the runtime's).");
        t.add("experimental-peer-skip-client-san-verification", Kind.BOOL, "false", s,
                "Skip the SAN check of peer client certificates.");

        s = Section.AUTH;
        t.add("auth-token", Kind.STRING, "simple", s, "Auth token type and options ('simple' or 'jwt,...').");
        t.add("bcrypt-cost", Kind.UINT, "10", s, "bcrypt cost for hashing auth passwords (4 to 31).");
        t.add("auth-token-ttl", Kind.UINT, "300", s, "Lifetime, in seconds, of a simple auth token.");

        s = Section.MONITORING;
        t.add("enable-pprof", Kind.BOOL, "false", s, "Serve runtime profiling data over HTTP.");
        t.add("metrics", Kind.STRING, "basic", s, "Detail of exported metrics ('basic' or 'extensive').");
        t.add("listen-metrics-urls", Kind.URLS, "", s, "URLs to serve /metrics and /health on.");
        t.add("enable-grpc-gateway", Kind.BOOL, "true", s, "Serve the JSON gRPC gateway.");
        t.add("enable-ui", Kind.BOOL, "true", s, "Serve the built-in web UI at /ui on the client port (Etch only).");

        s = Section.LOGGING;
        t.add("logger", Kind.STRING, "zap", s, "Logger ('zap').");
        t.add("log-outputs", Kind.UNIQUE_STRINGS, "default", s,
                "Comma-separated log targets: 'default', 'stderr', 'stdout' or file paths.");
        t.add("log-level", Kind.STRING, "info", s, "Log level: debug, info, warn, error, panic or fatal.");
        t.add("enable-log-rotation", Kind.BOOL, "false", s, "Rotate a single log-outputs file.");
        t.add("log-rotation-config-json", Kind.STRING, DEFAULT_LOG_ROTATION, s, "Log rotation settings.");

        s = Section.TRACING;
        t.add("experimental-enable-distributed-tracing", Kind.BOOL, "false", s, "Export OpenTelemetry traces.");
        t.add("experimental-distributed-tracing-address", Kind.STRING, "localhost:4317", s,
                "OpenTelemetry collector address.");
        t.add("experimental-distributed-tracing-service-name", Kind.STRING, "etcd", s, "Tracing service name.");
        t.add("experimental-distributed-tracing-instance-id", Kind.STRING, "", s, "Tracing instance ID.");
        t.add("experimental-distributed-tracing-sampling-rate", Kind.INT, "0", s,
                "Spans sampled per million.");

        s = Section.EXPERIMENTAL;
        t.add("experimental-initial-corrupt-check", Kind.BOOL, "false", s,
                "Check data corruption before serving traffic.");
        t.add("experimental-corrupt-check-time", Kind.DURATION, "0s", s, "Time between corruption checks.");
        t.add("experimental-compact-hash-check-enabled", Kind.BOOL, "false", s,
                "Leader checks followers' compaction hashes.");
        t.add("experimental-compact-hash-check-time", Kind.DURATION, "1m0s", s,
                "Time between compaction hash checks.");
        t.add("experimental-enable-lease-checkpoint", Kind.BOOL, "false", s,
                "Leader checkpoints lease TTLs to followers.");
        t.add("experimental-enable-lease-checkpoint-persist", Kind.BOOL, "false", s,
                "Persist lease checkpoints (needs experimental-enable-lease-checkpoint).");
        t.add("experimental-compaction-batch-limit", Kind.INT, "0", s,
                "Revisions deleted per compaction batch (0: 1000).");
        t.add("experimental-compaction-sleep-interval", Kind.DURATION, "0s", s,
                "Sleep between compaction batches (0: 10ms).");
        t.add("experimental-watch-progress-notify-interval", Kind.DURATION, "10m0s", s,
                "Interval of periodic watch progress notifications.");
        t.add("experimental-downgrade-check-time", Kind.DURATION, "5s", s, "Time between downgrade status checks.");
        t.add("experimental-warning-apply-duration", Kind.DURATION, "100ms", s,
                "Warn when applying a request takes longer than this.");
        t.add("experimental-warning-unary-request-duration", Kind.DURATION, "300ms", s,
                "Warn when a unary request takes longer than this.");
        t.add("experimental-memory-mlock", Kind.BOOL, "false", s, "Keep the server's memory locked in RAM.");
        t.add("experimental-txn-mode-write-with-shared-buffer", Kind.BOOL, "true", s,
                "Write transactions share the read buffer for their checks.");
        t.add("experimental-stop-grpc-service-on-defrag", Kind.BOOL, "false", s,
                "Stop serving client requests during defragmentation.");
        t.add("experimental-bootstrap-defrag-threshold-megabytes", Kind.UINT, "0", s,
                "Defragment on boot if that frees at least this many MB (0 disables).");
        t.add("experimental-max-learners", Kind.INT, "1", s, "Most learner members the cluster may hold.");
        t.add("experimental-snapshot-catchup-entries", Kind.UINT, "5000", s,
                "Entries kept for a slow follower to catch up after a snapshot.");
        t.add("experimental-wait-cluster-ready-timeout", Kind.DURATION, "5s", s,
                "Longest wait for the cluster to be ready before serving clients.");

        s = Section.UNSAFE;
        t.add("force-new-cluster", Kind.BOOL, "false", s, "Force a new one-member cluster from existing data.");
        t.add("unsafe-no-fsync", Kind.BOOL, "false", s, "Disable fsync (unsafe: loses data on crash).");

        s = Section.OTHER_RELEASES;
        // etcd 3.4
        t.add("log-output", Kind.UNIQUE_STRINGS, "default", s, "etcd 3.4 spelling of --log-outputs.");
        t.add("debug", Kind.BOOL, "false", s, "etcd 3.4: same as --log-level=debug.");
        t.add("log-package-levels", Kind.STRING, "", s, "etcd 3.4 capnslog package levels.");
        t.add("experimental-backend-bbolt-freelist-type", Kind.STRING, "array", s,
                "etcd 3.4 spelling of --backend-bbolt-freelist-type.");
        // etcd 3.6 names, most of them un-prefixed experimental flags
        t.add("feature-gates", Kind.STRING, "", s, "etcd 3.6 feature gates (key=value,...).");
        t.add("memory-mlock", Kind.BOOL, "false", s, "etcd 3.6 name of --experimental-memory-mlock.");
        t.add("log-format", Kind.STRING, "json", s, "etcd 3.6 log format (json or console).");
        t.add("warning-unary-request-duration", Kind.DURATION, "300ms", s,
                "etcd 3.6 name of --experimental-warning-unary-request-duration.");
        t.add("enable-distributed-tracing", Kind.BOOL, "false", s, "etcd 3.6 name of the tracing switch.");
        t.add("distributed-tracing-address", Kind.STRING, "localhost:4317", s, "etcd 3.6 tracing address.");
        t.add("distributed-tracing-service-name", Kind.STRING, "etcd", s, "etcd 3.6 tracing service name.");
        t.add("distributed-tracing-instance-id", Kind.STRING, "", s, "etcd 3.6 tracing instance ID.");
        t.add("distributed-tracing-sampling-rate", Kind.INT, "0", s, "etcd 3.6 tracing sampling rate.");
        t.add("corrupt-check-time", Kind.DURATION, "0s", s, "etcd 3.6 name of the corruption check interval.");
        t.add("compact-hash-check-time", Kind.DURATION, "1m0s", s, "etcd 3.6 compaction hash check interval.");
        t.add("compaction-batch-limit", Kind.INT, "0", s, "etcd 3.6 compaction batch limit.");
        t.add("compaction-sleep-interval", Kind.DURATION, "0s", s, "etcd 3.6 compaction sleep interval.");
        t.add("peer-skip-client-san-verification", Kind.BOOL, "false", s, "etcd 3.6 peer SAN check switch.");
        t.add("watch-progress-notify-interval", Kind.DURATION, "10m0s", s,
                "etcd 3.6 name of --experimental-watch-progress-notify-interval.");
        t.add("warning-apply-duration", Kind.DURATION, "100ms", s, "etcd 3.6 slow-apply warning threshold.");
        t.add("bootstrap-defrag-threshold-megabytes", Kind.UINT, "0", s, "etcd 3.6 boot defrag threshold.");
        t.add("max-learners", Kind.INT, "1", s, "etcd 3.6 learner limit.");
        t.add("downgrade-check-time", Kind.DURATION, "5s", s, "etcd 3.6 downgrade check interval.");
        t.add("snapshot-catchup-entries", Kind.UINT, "5000", s, "etcd 3.6 snapshot catch-up entries.");
        t.add("force-new-cluster-bump-amount", Kind.UINT, "0", s, "etcd 3.6 revision bump after force-new-cluster.");
        t.add("discovery-token", Kind.STRING, "", s, "etcd 3.6 v3 discovery token.");
        t.add("discovery-endpoints", Kind.UNIQUE_STRINGS, "", s, "etcd 3.6 v3 discovery endpoints.");
        t.add("discovery-dial-timeout", Kind.DURATION, "2s", s, "etcd 3.6 v3 discovery dial timeout.");
        t.add("discovery-request-timeout", Kind.DURATION, "5s", s, "etcd 3.6 v3 discovery request timeout.");
        t.add("discovery-keepalive-time", Kind.DURATION, "2s", s, "etcd 3.6 v3 discovery keepalive time.");
        t.add("discovery-keepalive-timeout", Kind.DURATION, "6s", s, "etcd 3.6 v3 discovery keepalive timeout.");
        t.add("discovery-insecure-transport", Kind.BOOL, "true", s, "etcd 3.6 v3 discovery without TLS.");
        t.add("discovery-insecure-skip-tls-verify", Kind.BOOL, "false", s,
                "etcd 3.6 v3 discovery skipping certificate checks.");
        t.add("discovery-cert", Kind.STRING, "", s, "etcd 3.6 v3 discovery client certificate.");
        t.add("discovery-key", Kind.STRING, "", s, "etcd 3.6 v3 discovery client key.");
        t.add("discovery-cacert", Kind.STRING, "", s, "etcd 3.6 v3 discovery CA bundle.");
        t.add("discovery-user", Kind.STRING, "", s, "etcd 3.6 v3 discovery user.");
        t.add("discovery-password", Kind.STRING, "", s, "etcd 3.6 v3 discovery password.");

        s = Section.IGNORED;
        for (String name : List.of("cluster-active-size", "cluster-remove-delay", "cluster-sync-interval", "config",
                "force", "max-result-buffer", "max-retry-attempts", "peer-heartbeat-interval",
                "peer-election-timeout", "retry-interval", "snapshot", "v", "vv", "test.coverprofile",
                "test.outputdir")) {
            t.add(name, Kind.IGNORED, "", s, "No longer supported; ignored with a warning.");
        }

        // The three that are not settings but switches of the command itself.
        t.add("config-file", Kind.STRING, "", Section.MEMBER,
                "Server configuration file; when given, other flags and ETCD_* variables are ignored.");
        t.add("version", Kind.BOOL, "false", Section.MEMBER, "Print the version and exit.");
        return Collections.unmodifiableMap(t.specs);
    }

    /** etcd's --help text, from the table above. */
    static String helpText() {
        StringBuilder b = new StringBuilder();
        b.append("Usage:\n\n");
        b.append("  etch [flags]\n    Start an Etch server (etcd v3 compatible).\n\n");
        b.append("  etch --version\n    Show the version.\n\n");
        b.append("  etch -h | --help\n    Show this help.\n\n");
        b.append("  etch --config-file\n    Read the configuration from a YAML file;"
                + " other flags and environment variables are then ignored.\n");
        Section current = null;
        for (FlagSpec spec : ALL.values()) {
            if (spec.section() == Section.IGNORED || spec.name().equals("config-file")
                    || spec.name().equals("version")) {
                continue; // the last two are in the usage lines above
            }
            if (spec.section() != current) {
                current = spec.section();
                b.append('\n').append(current.title).append(":\n");
            }
            b.append("  --").append(spec.name());
            if (!spec.isBoolean() || !spec.defaultValue().equals("false")) {
                b.append(" '").append(spec.defaultValue()).append('\'');
            }
            b.append("\n    ").append(spec.help()).append('\n');
        }
        b.append("\nEvery flag may also be given as an environment variable: ETCD_ and the flag name in upper case")
                .append(" with '-' as '_' (ETCD_DATA_DIR for --data-dir). The command line wins.\n");
        return b.toString();
    }

    /** Collects specs in order, refusing a name twice. */
    private static final class Table {
        final Map<String, FlagSpec> specs = new LinkedHashMap<>();

        void add(String name, Kind kind, String def, Section section, String help) {
            add(name, kind, def, section, List.of(), help);
        }

        void add(String name, Kind kind, String def, Section section, List<String> choices, String help) {
            if (specs.put(name, new FlagSpec(name, kind, def, section, help, new ArrayList<>(choices))) != null) {
                throw new IllegalStateException("flag listed twice: " + name);
            }
        }
    }
}
