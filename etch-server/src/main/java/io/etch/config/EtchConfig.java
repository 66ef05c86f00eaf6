package io.etch.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every server setting, with etcd 3.5's names and defaults. Built by {@link ConfigLoader}; URLs are kept as
 * written ("localhost" is not resolved) and sorted, as etcd keeps them.
 *
 * @param dataDir the data directory; "${name}.etcd" when not given
 * @param walDir a dedicated WAL directory, or empty to keep the WAL under dataDir
 * @param listenClientHttpUrls extra listeners serving only HTTP (gateway, health, metrics); usually empty
 * @param advertiseClientUrls empty only when etcd would start without them (a proxy), which Etch does not do
 * @param listenMetricsUrls extra listeners for /metrics and /health; usually empty
 * @param initialCluster --initial-cluster as text, after etcd's rewrite from --name (see {@link ConfigLoader})
 * @param initialClusterMembers the same, parsed
 * @param initialClusterState "new" or "existing"
 * @param quotaBackendBytes as given: 0 means etcd's default of 2 GiB, negative disables the quota
 * @param maxRequestBytes largest accepted client request
 * @param autoCompactionMode "periodic" or "revision"
 * @param autoCompactionRetention as given; see {@link #autoCompactionPeriod()} and {@link #autoCompactionRevisions()}
 * @param logger "zap" (etcd 3.5 has no other)
 * @param logOutputs "default", "stderr", "stdout", "systemd/journal" or file paths
 * @param metrics "basic" or "extensive"
 * @param maxConcurrentStreams gRPC streams per client connection (unsigned 32-bit)
 * @param configFile the --config-file that was read, or empty when the settings came from flags
 * @param printVersion --version was given: print the version and exit, nothing else was read
 * @param printHelp -h/--help was given: print {@link ConfigLoader#helpText()} and exit, nothing else was read
 * @param extras every etcd flag without a field here, by name, with its effective value in the form etcd's
 *     --help shows (for example "max-snapshots" -> "5", "backend-batch-interval" -> "10ms"); accepted so that
 *     etcd command lines work, not necessarily acted upon
 * @param explicitlySet names of the flags (or file keys) that were given rather than defaulted
 * @param warnings what etcd would log as warnings while reading the configuration, for the caller to log
 */
public record EtchConfig(
        String name,
        String dataDir,
        String walDir,
        List<String> listenClientUrls,
        List<String> listenClientHttpUrls,
        List<String> advertiseClientUrls,
        List<String> listenPeerUrls,
        List<String> initialAdvertisePeerUrls,
        List<String> listenMetricsUrls,
        String initialCluster,
        InitialCluster initialClusterMembers,
        String initialClusterState,
        String initialClusterToken,
        long snapshotCount,
        long quotaBackendBytes,
        long maxRequestBytes,
        long maxTxnOps,
        String autoCompactionMode,
        String autoCompactionRetention,
        long heartbeatIntervalMs,
        long electionTimeoutMs,
        String logLevel,
        String logger,
        List<String> logOutputs,
        Duration experimentalWatchProgressNotifyInterval,
        boolean enablePprof,
        String metrics,
        TlsSettings clientTls,
        TlsSettings peerTls,
        boolean enableV2,
        boolean forceNewCluster,
        boolean strictReconfigCheck,
        boolean preVote,
        boolean initialElectionTickAdvance,
        long maxConcurrentStreams,
        Duration grpcKeepAliveMinTime,
        Duration grpcKeepAliveInterval,
        Duration grpcKeepAliveTimeout,
        String authToken,
        long bcryptCost,
        long authTokenTtlSeconds,
        boolean enableGrpcGateway,
        boolean unsafeNoFsync,
        String configFile,
        boolean printVersion,
        boolean printHelp,
        Map<String, String> extras,
        Set<String> explicitlySet,
        List<String> warnings) {

    /** etcd's quota when --quota-backend-bytes is 0. */
    public static final long DEFAULT_QUOTA_BACKEND_BYTES = 2L * 1024 * 1024 * 1024;

    /** Above this etcd warns that the quota "exceeds the maximum value" (and uses it all the same). */
    public static final long MAX_QUOTA_BACKEND_BYTES = 8L * 1024 * 1024 * 1024;

    public EtchConfig {
        listenClientUrls = List.copyOf(listenClientUrls);
        listenClientHttpUrls = List.copyOf(listenClientHttpUrls);
        advertiseClientUrls = List.copyOf(advertiseClientUrls);
        listenPeerUrls = List.copyOf(listenPeerUrls);
        initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
        listenMetricsUrls = List.copyOf(listenMetricsUrls);
        logOutputs = List.copyOf(logOutputs);
        extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        explicitlySet = Collections.unmodifiableSet(new LinkedHashSet<>(explicitlySet));
        warnings = List.copyOf(warnings);
    }

    /** The configuration etcd runs with when given no flags, no environment and no file. */
    public static EtchConfig defaults() {
        return ConfigLoader.defaults();
    }

    /** The effective value of an etcd flag that has no field of its own. */
    public String extra(String flag) {
        String v = extras.get(flag);
        if (v == null) {
            throw new IllegalArgumentException("not an etcd flag kept in extras: " + flag);
        }
        return v;
    }

    public boolean isNewCluster() {
        return initialClusterState.equals("new");
    }

    /** Raft election timeout in heartbeat ticks, as etcd computes it. */
    public long electionTicks() {
        return electionTimeoutMs / heartbeatIntervalMs;
    }

    /** --experimental-initial-corrupt-check (3.6: the InitialCorruptCheck feature gate). */
    public boolean initialCorruptCheck() {
        return Boolean.parseBoolean(extra("experimental-initial-corrupt-check"));
    }

    /** --experimental-corrupt-check-time (3.6: --corrupt-check-time): 0 means no periodic check. */
    public java.time.Duration corruptCheckTime() {
        return GoValues.parseDuration(extra("experimental-corrupt-check-time"));
    }

    /** The backend quota in force: 2 GiB for 0; a negative value means no quota. */
    public long effectiveQuotaBackendBytes() {
        return quotaBackendBytes == 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quotaBackendBytes;
    }

    /** Whether auto compaction is on (a retention other than zero). */
    public boolean autoCompactionEnabled() {
        return !compactionRetention(autoCompactionMode, autoCompactionRetention).isZero();
    }

    /**
     * In periodic mode, how much history to keep: a bare number counts hours, otherwise a Go duration
     * ("30m"). Zero when auto compaction is off.
     */
    public Duration autoCompactionPeriod() {
        return compactionRetention("periodic", autoCompactionRetention);
    }

    /**
     * In revision mode, how many revisions to keep. As in etcd, a value with a time unit is read as that
     * duration in nanoseconds, which is never what anyone meant but is what etcd does.
     */
    public long autoCompactionRevisions() {
        return compactionRetention("revision", autoCompactionRetention).toNanos();
    }

    /** The ID etcd gives this member when it bootstraps from the initial cluster. */
    public long bootstrapMemberId() {
        return MemberIds.memberId(initialClusterMembers.peerUrls(name), initialClusterToken);
    }

    /** The ID etcd gives a cluster bootstrapped from this initial cluster. */
    public long bootstrapClusterId() {
        return MemberIds.clusterId(initialClusterMembers, initialClusterToken);
    }

    /**
     * The checks etcd makes before it bootstraps a member (a data directory without a WAL): the member is in
     * the initial cluster, its advertised peer URLs match its entry there (names are resolved if the text
     * differs), and no peer URL is listed twice. etcd skips these when it restarts from existing data, and
     * so should the caller; {@link ConfigLoader#load} makes them, {@link ConfigLoader#parse} does not.
     */
    public void verifyBootstrap() throws ConfigException {
        Bootstrap.verify(this);
    }

    /**
     * The check made when a member starts, after etcd's own: a flag Etch cannot honour is refused with a
     * message naming it, when it is given anything but etcd's default. Returns a warning for each flag
     * that is accepted and has no effect in Etch (bbolt tuning and the like), for the caller to log.
     */
    public List<String> checkSupported() throws ConfigException {
        return FlagSupport.check(this);
    }

    /** etcd's parseCompactionRetention, which {@link ConfigLoader} has already run once to check the value. */
    static Duration compactionRetention(String mode, String retention) {
        try {
            long h = Long.parseLong(retention);
            if (h >= 0) {
                return mode.equals("revision") ? Duration.ofNanos(h) : Duration.ofHours(h);
            }
        } catch (NumberFormatException e) {
            // not a plain number: a duration
        }
        return GoValues.parseDuration(retention);
    }
}
