package io.etch.server;

import io.etch.metrics.EtchMetrics;
import io.etch.tls.TlsConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import io.etch.auth.SimpleTokens;
import io.etch.auth.TokenProvider;

/**
 * Everything the server core needs, resolved from flags: who this member is, where it keeps its
 * data, and the limits it enforces.
 *
 * @param quotaBackendBytes the backend quota in force (--quota-backend-bytes with etcd's 2 GiB for 0;
 *     negative: no quota). Reported by Status; not enforced yet
 * @param peerTls TLS of the peer port and of this member's connections to its peers; null for plaintext
 */
public record ServerSettings(
        String name,
        Path dataDir,
        Path walDir,
        long memberId,
        long clusterId,
        List<Member> members,
        InetSocketAddress peerBind,
        Duration heartbeat,
        Duration election,
        long maxRequestBytes,
        int maxTxnOps,
        long quotaBackendBytes,
        AutoCompaction autoCompaction,
        Duration leaseCheckpointInterval,
        Duration watchProgressNotifyInterval,
        EtchMetrics.Level metricsLevel,
        long maxConcurrentStreams,
        boolean enableGrpcGateway,
        boolean enableUi,
        GrpcKeepAlive grpcKeepAlive,
        boolean preVote,
        boolean unsafeNoFsync,
        Auth auth,
        TlsConfig peerTls,
        Reconfig reconfig,
        Snapshots snapshots) {

    /** Without runtime reconfiguration settings: etcd's defaults, bootstrapping or restarting. */
    public ServerSettings(String name, Path dataDir, Path walDir, long memberId, long clusterId, List<Member> members,
                          InetSocketAddress peerBind, Duration heartbeat, Duration election, long maxRequestBytes,
                          int maxTxnOps, long quotaBackendBytes, AutoCompaction autoCompaction,
                          Duration leaseCheckpointInterval, Duration watchProgressNotifyInterval,
                          EtchMetrics.Level metricsLevel, long maxConcurrentStreams, boolean enableGrpcGateway,
                          boolean enableUi, GrpcKeepAlive grpcKeepAlive, boolean preVote, boolean unsafeNoFsync,
                          Auth auth, TlsConfig peerTls) {
        this(name, dataDir, walDir, memberId, clusterId, members, peerBind, heartbeat, election, maxRequestBytes,
                maxTxnOps, quotaBackendBytes, autoCompaction, leaseCheckpointInterval, watchProgressNotifyInterval,
                metricsLevel, maxConcurrentStreams, enableGrpcGateway, enableUi, grpcKeepAlive, preVote, unsafeNoFsync,
                auth, peerTls, Reconfig.DEFAULTS, Snapshots.DEFAULTS);
    }

    /**
     * etcd's --snapshot-count (3.6's default, 10,000: the store is flushed and the Raft log before
     * it may be purged every this many entries) and --snapshot-catchup-entries (entries kept
     * behind a snapshot for followers that are a little behind).
     */
    public record Snapshots(long count, long catchupEntries) {
        public static final Snapshots DEFAULTS = new Snapshots(10_000, 5_000);
    }

    /**
     * Runtime membership: etcd's --strict-reconfig-check and --max-learners; {@code joining} when
     * this member starts for the first time to join a running cluster (--initial-cluster-state
     * existing, {@code members} then being the membership its peers told it); {@code healthInterval}
     * how long a peer must have been answering to count as connected (etcd's HealthInterval, 5 s).
     */
    public record Reconfig(boolean strictCheck, int maxLearners, boolean joining, Duration healthInterval) {
        public static final Reconfig DEFAULTS = new Reconfig(true, 1, false, Duration.ofSeconds(5));

        public Reconfig withJoining(boolean joining) {
            return new Reconfig(strictCheck, maxLearners, joining, healthInterval);
        }
    }

    /**
     * etcd's --auth-token (made into a provider when the member starts: simple tokens live in its
     * memory), --bcrypt-cost, and --client-cert-auth (a verified certificate's common name is the user).
     */
    public record Auth(Supplier<TokenProvider> tokens, int bcryptCost, boolean clientCertAuth) {
        public static final Auth DEFAULTS = new Auth(() -> new SimpleTokens(300, System::nanoTime), 10, false);
    }

    /**
     * etcd's --grpc-keepalive-min-time, --grpc-keepalive-interval and --grpc-keepalive-timeout, as
     * the client port applies them: clients may ping no more often than {@code minTime} while they
     * have calls open (and about every two hours without, as etcd's grpc-go permits); the server
     * pings a connection idle for {@code interval} and closes it when no answer comes within
     * {@code timeout}. All three are positive.
     */
    public record GrpcKeepAlive(Duration minTime, Duration interval, Duration timeout) {
        public static final GrpcKeepAlive DEFAULTS =
                new GrpcKeepAlive(Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));

        /** What grpc-go enforces when etcd sets no policy: pings at most every 5 minutes. */
        static final Duration GRPC_DEFAULT_MIN_TIME = Duration.ofMinutes(5);

        public GrpcKeepAlive {
            if (!positive(minTime) || !positive(interval) || !positive(timeout)) {
                throw new IllegalArgumentException("keep-alive durations must be positive: " + minTime + ", "
                        + interval + ", " + timeout);
            }
        }

        /**
         * The flags as etcd reads them: a min-time of zero or less leaves grpc-go's policy (5 minutes);
         * an interval or timeout of zero or less leaves both at grpc-go's defaults (2 hours, 20 seconds).
         * Neither turns keep-alive off, whatever etcd's help text says.
         */
        public static GrpcKeepAlive fromFlags(Duration minTime, Duration interval, Duration timeout) {
            boolean params = positive(interval) && positive(timeout);
            return new GrpcKeepAlive(positive(minTime) ? minTime : GRPC_DEFAULT_MIN_TIME,
                    params ? interval : DEFAULTS.interval(), params ? timeout : DEFAULTS.timeout());
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** What grpc-go reads a --max-concurrent-streams of 0 as: no limit (2^32 - 1). */
    public static final long UNLIMITED_STREAMS = 4_294_967_295L;

    /** etcd's --max-concurrent-streams as grpc-go applies it: 0 means no limit. */
    public static long maxConcurrentStreamsFromFlag(long flag) {
        return flag == 0 ? UNLIMITED_STREAMS : flag;
    }

    /** etcd's default interval between lease checkpoints. */
    public static final Duration DEFAULT_LEASE_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);

    /**
     * etcd's --auto-compaction-mode and --auto-compaction-retention, resolved: keep {@code period} of
     * history (periodic) or {@code revisions} revisions (revision); off when both are zero.
     */
    public record AutoCompaction(Duration period, long revisions) {
        public static final AutoCompaction OFF = new AutoCompaction(Duration.ZERO, 0);

        public boolean enabled() {
            return !period.isZero() || revisions > 0;
        }
    }

    /**
     * etcd's minimum lease TTL in seconds: one and a half election timeouts (counted in whole
     * heartbeat ticks), rounded up, so a lease cannot expire during a normal leader election.
     */
    public long minLeaseTtl() {
        long heartbeatMs = Math.max(1, heartbeat.toMillis());
        long electionTicks = election.toMillis() / heartbeatMs;
        long minMs = (3 * electionTicks) / 2 * heartbeatMs;
        return (minMs + 999) / 1000;
    }

    /** etcd's rule: a request waits at most 5 s plus two election timeouts. */
    public Duration requestTimeout() {
        return Duration.ofSeconds(5).plus(election.multipliedBy(2));
    }

    public Path raftLogDir() {
        return walDir != null ? walDir : dataDir.resolve("member").resolve("wal");
    }

    public Path storeDir() {
        return dataDir.resolve("member").resolve("db");
    }
}
