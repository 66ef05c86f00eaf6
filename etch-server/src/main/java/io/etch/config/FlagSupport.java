package io.etch.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of etcd's flags Etch can honour. {@link ConfigLoader} accepts every etcd flag as etcd parses it;
 * this is the second look, made when a member starts: a flag Etch cannot act on is refused, naming it,
 * when it is given a value other than etcd's default (so etcd's own command lines and config files,
 * which mostly leave them alone, still start), and a flag that only tunes something Etch does not have
 * (bbolt, Go's runtime) is accepted with a warning that says so.
 *
 * <p>Flags that only mean something together with one of the refused ones (the {@code --proxy-*}
 * timeouts, {@code --discovery-*} details, the tracing address) are left alone.
 */
final class FlagSupport {
    private FlagSupport() {}

    /** Only the default does what etcd does: any other value is refused with {@code reason}. */
    private static final Map<String, String> REFUSED = refused();

    /** Accepted and ignored, with {@code reason}, when set to anything but the default. */
    private static final Map<String, String> IGNORED = ignored();

    private static Map<String, String> refused() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("initial-election-tick-advance",
                "a member's first election after a start always comes one to three heartbeats in");
        m.put("max-snapshots", "Etch writes no snapshot files: its store is the Raft snapshot");
        m.put("max-wals", "Etch writes no WAL files; its Raft log segments are purged after snapshots,"
                + " see --snapshot-count");
        m.put("raft-read-timeout", "peers talk over Ratis' gRPC transport, which takes no per-connection deadlines");
        m.put("raft-write-timeout", "peers talk over Ratis' gRPC transport, which takes no per-connection deadlines");
        m.put("socket-reuse-port", "Etch sets no socket options on its listeners; the peer listener is Ratis' own");
        m.put("socket-reuse-address", "Etch sets no socket options on its listeners; the peer listener is Ratis' own");
        m.put("discovery", "Etch has no client for etcd's discovery service; list the members in --initial-cluster");
        m.put("discovery-srv", "Etch does not look up DNS SRV records; list the members in --initial-cluster");
        m.put("discovery-endpoints", "Etch has no client for etcd 3.6's v3 discovery; list the members in"
                + " --initial-cluster");
        m.put("enable-v2", "Etch serves only the v3 API");
        m.put("experimental-enable-v2v3", "Etch serves only the v3 API");
        m.put("proxy", "Etch has no v2 proxy mode; it always runs as a member");
        m.put("cors", "Etch's HTTP endpoints send no CORS headers");
        m.put("host-whitelist", "Etch does not check the Host header of plaintext HTTP requests");
        m.put("enable-pprof", "there is no Go runtime to profile; profile the JVM with JFR (jcmd <pid> JFR.start)");
        m.put("enable-log-rotation", "Etch does not rotate its log; leave that to logrotate or the supervisor");
        m.put("experimental-enable-distributed-tracing", "Etch exports no OpenTelemetry traces");
        m.put("experimental-memory-mlock", "the JVM cannot lock its memory in RAM");
        m.put("experimental-stop-grpc-service-on-defrag", "Etch keeps serving while it defragments");
        m.put("force-new-cluster", "Etch cannot turn existing data into a new one-member cluster");
        return m;
    }

    private static Map<String, String> ignored() {
        Map<String, String> m = new LinkedHashMap<>();
        String bbolt = "it tunes bbolt, and Etch's store is RocksDB";
        m.put("backend-bbolt-freelist-type", bbolt);
        m.put("experimental-backend-bbolt-freelist-type", bbolt);
        m.put("backend-batch-interval", bbolt + ", written once per applied batch of entries and made durable"
                + " by the Raft log");
        m.put("backend-batch-limit", bbolt + ", written once per applied batch of entries and made durable"
                + " by the Raft log");
        m.put("experimental-txn-mode-write-with-shared-buffer", bbolt);
        m.put("experimental-bootstrap-defrag-threshold-megabytes", bbolt + ", which reclaims space by its own"
                + " compaction");
        m.put("experimental-compaction-batch-limit", "Etch's compactor deletes in batches of its own size; the"
                + " result is the same");
        m.put("experimental-compaction-sleep-interval", "Etch's compactor paces itself; the result is the same");
        m.put("experimental-warning-apply-duration", "Etch counts applies slower than 100ms in"
                + " etcd_server_slow_apply_total and logs no warning for them");
        m.put("experimental-warning-unary-request-duration", "Etch logs no warning for slow requests");
        m.put("experimental-downgrade-check-time", "Etch does not implement cluster downgrades");
        m.put("experimental-wait-cluster-ready-timeout", "a member serves clients once it has caught up with"
                + " the leader, however long that takes");
        m.put("log-package-levels", "they are capnslog's, which etcd 3.5 removed");
        m.put("log-format", "Etch logs one plain-text line per event");
        // Warned, not refused: etcd's own e2e suite and many deployments turn the initial check on,
        // and a member that will not start is worse than one that skips a check it cannot make yet.
        m.put("experimental-compact-hash-check-enabled", "Etch's leader does not check its followers' compaction"
                + " hashes yet (compare members with etcdctl endpoint hashkv --cluster)");
        return m;
    }

    /**
     * Refuses the first flag Etch cannot honour, naming it, and returns a warning for each flag Etch
     * accepts and ignores.
     */
    static List<String> check(EtchConfig c) throws ConfigException {
        refuse(c, "enable-v2", c.enableV2());
        refuse(c, "force-new-cluster", c.forceNewCluster());
        refuse(c, "enable-pprof", c.enablePprof());
        refuse(c, "initial-election-tick-advance", !c.initialElectionTickAdvance());
        for (String flag : REFUSED.keySet()) {
            if (c.extras().containsKey(flag)) {
                refuse(c, flag, !isDefault(c, flag));
            }
        }
        if (c.listenPeerUrls().size() > 1) {
            throw new ConfigException("--listen-peer-urls with more than one URL (" + String.join(",", c.listenPeerUrls())
                    + ") is not supported by Etch (its peer port, Ratis' gRPC server, listens on one address)");
        }
        for (String output : c.logOutputs()) {
            if (!output.equals("default") && !output.equals("stderr")) {
                throw new ConfigException("--log-outputs=" + String.join(",", c.logOutputs())
                        + " is not supported by Etch (it logs to stderr only)");
            }
        }
        if (FlagMigration.parseGates(c.extra("feature-gates")).getOrDefault("SetMemberLocalAddr", false)) {
            throw new ConfigException("--feature-gates=SetMemberLocalAddr=true is not supported by Etch"
                    + " (its peer connections are Ratis', which bind no local address)");
        }

        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> e : IGNORED.entrySet()) {
            String flag = e.getKey();
            if (!isDefault(c, flag)) {
                warnings.add("Etch ignores " + given(c, flag, c.extra(flag)) + ": " + e.getValue());
            }
        }
        quota(c, warnings);
        return warnings;
    }

    /** --quota-backend-bytes is read as etcd reads it: 0 means 2 GiB, negative no quota, above 8 GiB a warning. */
    private static void quota(EtchConfig c, List<String> warnings) {
        long quota = c.quotaBackendBytes();
        if (quota > EtchConfig.MAX_QUOTA_BACKEND_BYTES) {
            warnings.add("quota exceeds the maximum value quota-size-bytes=" + quota + " quota-maximum-size-bytes="
                    + EtchConfig.MAX_QUOTA_BACKEND_BYTES);
        }
    }

    private static void refuse(EtchConfig c, String flag, boolean unsupported) throws ConfigException {
        if (unsupported) {
            String value = c.extras().containsKey(flag) ? c.extra(flag) : valueOfField(c, flag);
            throw new ConfigException(given(c, flag, value) + " is not supported by Etch (" + REFUSED.get(flag) + ")");
        }
    }

    private static boolean isDefault(EtchConfig c, String flag) {
        return c.extra(flag).equals(EtcdFlags.spec(flag).defaultValue());
    }

    /**
     * The setting as the user gave it: etcd 3.6's un-prefixed name or its feature gate when that is what
     * set the experimental flag.
     */
    private static String given(EtchConfig c, String flag, String value) {
        String renamed = FlagMigration.RENAMED.get(flag);
        if (renamed != null && c.explicitlySet().contains(renamed)) {
            return "--" + renamed + "=" + value;
        }
        if (!c.explicitlySet().contains(flag)) {
            for (FlagMigration.Gate g : FlagMigration.GATES.values()) {
                if (flag.equals(g.experimentalFlag()) && c.extra("feature-gates").contains(g.name())) {
                    return "--feature-gates=" + g.name() + "=" + value;
                }
            }
        }
        return "--" + flag + "=" + value;
    }

    private static String valueOfField(EtchConfig c, String flag) {
        return switch (flag) {
            case "enable-v2" -> Boolean.toString(c.enableV2());
            case "force-new-cluster" -> Boolean.toString(c.forceNewCluster());
            case "enable-pprof" -> Boolean.toString(c.enablePprof());
            case "initial-election-tick-advance" -> Boolean.toString(c.initialElectionTickAdvance());
            default -> throw new IllegalArgumentException(flag);
        };
    }

}
