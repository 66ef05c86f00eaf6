package io.etch;

import ch.qos.logback.classic.Level;
import io.etch.api.ClientListener;
import io.etch.config.ConfigException;
import io.etch.config.ConfigLoader;
import io.etch.config.EtchConfig;
import io.etch.config.MemberIds;
import io.etch.auth.TokenProvider;
import io.etch.auth.TokenSettings;
import java.util.function.Supplier;
import io.etch.metrics.EtchMetrics;
import io.etch.server.EtchServer;
import io.etch.server.Member;
import io.etch.server.MemberIdentity;
import io.etch.api.raftpb.ClusterMembers;
import io.etch.api.raftpb.StoredMember;
import io.etch.raft.RaftNode;
import io.etch.server.ServerSettings;
import io.etch.server.Version;
import io.etch.tls.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code etch}: reads etcd's flags, starts the member, and runs until it is signalled to stop. */
public final class EtchMain {

    private static final Logger log = LoggerFactory.getLogger(EtchMain.class);

    private EtchMain() {
    }

    /**
     * With fewer than three cores the JVM gives the common fork-join pool a parallelism of one,
     * and then every {@code CompletableFuture.*Async} call without an executor (Ratis makes them on
     * the append path) starts a new thread: one per write on each follower on a 2-core machine.
     * Must run before anything touches the common pool.
     */
    static void useSharedPoolForAsyncTasks() {
        String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
        if (System.getProperty(key) == null) {
            System.setProperty(key, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
        }
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("snapshot")) {
            // etcdutl's "snapshot restore", for moving an etcd cluster's data to Etch.
            System.exit(SnapshotCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        useSharedPoolForAsyncTasks();
        EtchConfig config;
        TlsSetup tls;
        ServerSettings settings;
        List<String> ignored;
        try {
            config = ConfigLoader.parse(args, System.getenv());
            if (config.printHelp()) {
                System.out.println(ConfigLoader.helpText());
                return;
            }
            if (config.printVersion()) {
                System.out.println("etcd Version: " + Version.SERVER);
                System.out.println("Etch Version: " + Version.ETCH);
                System.out.println("Java Version: " + System.getProperty("java.version"));
                System.out.println("OS/Arch: " + System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"));
                return;
            }
            ignored = config.checkSupported();
            tls = TlsSetup.of(config);
            boolean joining = !hasData(config) && !config.isNewCluster();
            if (!hasData(config)) {
                config.verifyBootstrap();
            }
            settings = settings(config, tls.peer());
            MemberIdentity stored = MemberIdentity.read(Path.of(config.dataDir()));
            if (stored != null) {
                // A restart: who this member is comes from its data, not from --initial-cluster.
                settings = withIdentity(settings, stored.memberId(), stored.clusterId(), settings.members(), false);
            } else if (joining) {
                settings = join(config, settings, tls.peer());
            }
        } catch (ConfigException e) {
            System.err.println("etch: " + e.getMessage());
            System.exit(e.exitCode());
            return;
        } catch (IOException e) {
            System.err.println("etch: " + e.getMessage());
            System.exit(1);
            return;
        }
        setLogLevel(config.logLevel());
        config.warnings().forEach(w -> log.warn("{}", w));
        ignored.forEach(w -> log.warn("{}", w));
        tls.warnings().forEach(w -> log.warn("{}", w));
        try {
            run(config, tls, settings);
        } catch (IOException | RuntimeException e) {
            log.error("etch stopped: {}", e.toString(), e);
            System.exit(1);
        }
    }

    private static void run(EtchConfig config, TlsSetup tls, ServerSettings settings) throws IOException {
        // etcd 3.5: with --listen-client-http-urls, HTTP moves there and the client URLs serve gRPC only.
        boolean split = !config.listenClientHttpUrls().isEmpty();
        List<ClientListener> clientListeners = new ArrayList<>();
        for (String url : config.listenClientUrls()) {
            clientListeners.add(listener(url, tls.client(), split ? ClientListener.Serves.GRPC : ClientListener.Serves.GRPC_AND_HTTP));
        }
        for (String url : config.listenClientHttpUrls()) {
            clientListeners.add(listener(url, tls.client(), ClientListener.Serves.HTTP));
        }
        List<ClientListener> metricsListeners = new ArrayList<>();
        for (String url : config.listenMetricsUrls()) {
            metricsListeners.add(listener(url, tls.client(), ClientListener.Serves.HTTP));
        }
        EtchMember member = EtchMember.startListening(settings, clientListeners, metricsListeners,
                config.initialCorruptCheck(), e -> {
                    log.error("failed to start etcd: {}", e.getMessage());
                    // Off the thread that found it: exit runs the shutdown hook, which closes the member.
                    new Thread(() -> System.exit(1), "etch-exit").start();
                });
        java.time.Duration corruptCheck = config.corruptCheckTime();
        if (!corruptCheck.isZero()) {
            member.server().startCorruptionCheck(corruptCheck);
        }
        // etcd exits 0 after it stopped because it was removed from the cluster. Not when a signal
        // stopped it: the stop then runs in the shutdown hook, where System.exit blocks for ever
        // (the JVM waits for the hook that waits to exit), and the process never ended.
        AtomicBoolean signalled = new AtomicBoolean();
        member.stopped().thenRun(() -> {
            if (!signalled.get()) {
                System.exit(0);
            }
        });
        for (String url : clientUrls(config)) {
            if (url.startsWith("https:")) {
                log.info("serving client traffic securely; address={}", hostPort(url));
            } else {
                log.warn("serving client traffic insecurely; this is strongly discouraged! address={}", hostPort(url));
            }
        }
        if (tls.peer() != null) {
            log.info("starting with peer TLS; peers on {}", config.listenPeerUrls());
        } else {
            log.info("peers on {}", config.listenPeerUrls());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            signalled.set(true);
            log.info("received signal; shutting down member {}", EtchServer.hex(settings.memberId()));
            try {
                member.stopGracefully();
            } catch (IOException | RuntimeException e) {
                log.warn("error while stopping: {}", e.toString());
            }
            stopped.countDown();
        }, "etch-shutdown"));
        exitCleanlyOnStopSignals();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An https URL gets the client TLS; an http one is plaintext. */
    private static ClientListener listener(String url, TlsConfig clientTls, ClientListener.Serves serves) {
        return new ClientListener(socketAddress(url), url.startsWith("https:") ? clientTls : null, serves);
    }

    /** --listen-client-urls and --listen-client-http-urls. */
    static List<String> clientUrls(EtchConfig config) {
        List<String> all = new ArrayList<>(config.listenClientUrls());
        all.addAll(config.listenClientHttpUrls());
        return all;
    }

    private static String hostPort(String url) {
        URI uri = URI.create(url);
        return uri.getHost() + ":" + uri.getPort();
    }

    /**
     * SIGINT and SIGTERM stop the member as the shutdown hook does, then exit 0. The JVM's own
     * handling would exit 130 or 143, which supervisors written for etcd (it dies of the signal it
     * re-raises) count as a failed stop.
     */
    @SuppressWarnings("sunapi")
    private static void exitCleanlyOnStopSignals() {
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> System.exit(0));
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
    }

    /** etcd bootstraps only into an empty data directory; with a WAL present it restarts from it. */
    private static boolean hasData(EtchConfig config) {
        Path wal = config.walDir().isEmpty()
                ? Path.of(config.dataDir(), "member", "wal")
                : Path.of(config.walDir());
        try (var entries = Files.list(wal)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * etcd's join of a running cluster (--initial-cluster-state existing, empty data dir): asks the
     * other members of --initial-cluster for the membership, and takes the id that {@code member add}
     * gave this member's advertised peer URLs, and the cluster's id.
     */
    private static ServerSettings join(EtchConfig config, ServerSettings settings, TlsConfig peerTls)
            throws ConfigException {
        List<String> own = new ArrayList<>(config.initialAdvertisePeerUrls());
        own.sort(null);
        List<String> peers = new ArrayList<>();
        for (String name : config.initialClusterMembers().names()) {
            for (String url : config.initialClusterMembers().peerUrls(name)) {
                if (!own.contains(url)) {
                    peers.add(hostPort(url));
                }
            }
        }
        ClusterMembers cluster = null;
        long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
        while (cluster == null) {
            try {
                cluster = ClusterMembers.parseFrom(RaftNode.fetchMembership(peers, peerTls, 2000));
            } catch (RuntimeException | com.google.protobuf.InvalidProtocolBufferException e) {
                if (System.nanoTime() > deadline) {
                    throw new ConfigException("cannot fetch cluster info from peer urls: could not retrieve cluster "
                            + "information from the given URLs");
                }
                log.warn("failed to get cluster from remote peers ({}); retrying", e.getMessage());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ConfigException("interrupted while joining");
                }
            }
        }
        StoredMember self = null;
        for (StoredMember m : cluster.getMembersList()) {
            List<String> urls = new ArrayList<>(m.getPeerUrlsList());
            urls.sort(null);
            if (urls.equals(own)) {
                self = m;
            }
        }
        if (self == null) {
            throw new ConfigException("error validating peerURLs: member with peer URLs " + own
                    + " is not in the cluster; add it with member add first");
        }
        List<Member> members = new ArrayList<>();
        for (StoredMember m : cluster.getMembersList()) {
            boolean me = m.getId() == self.getId();
            members.add(new Member(m.getId(), me ? config.name() : "", List.copyOf(m.getPeerUrlsList()),
                    me ? config.advertiseClientUrls() : List.of(), m.getIsLearner()));
        }
        log.info("joining cluster {} as member {}", Long.toHexString(cluster.getClusterId()), Long.toHexString(self.getId()));
        return withIdentity(settings, self.getId(), cluster.getClusterId(), members, true);
    }

    private static ServerSettings withIdentity(ServerSettings s, long memberId, long clusterId, List<Member> members,
                                               boolean joining) {
        return new ServerSettings(s.name(), s.dataDir(), s.walDir(), memberId, clusterId, members, s.peerBind(),
                s.heartbeat(), s.election(), s.maxRequestBytes(), s.maxTxnOps(), s.quotaBackendBytes(),
                s.autoCompaction(), s.leaseCheckpointInterval(), s.watchProgressNotifyInterval(), s.metricsLevel(),
                s.maxConcurrentStreams(), s.enableGrpcGateway(), s.enableUi(), s.grpcKeepAlive(), s.preVote(),
                s.unsafeNoFsync(), s.auth(), s.peerTls(), s.reconfig().withJoining(joining), s.snapshots());
    }

    static ServerSettings settings(EtchConfig config) throws ConfigException {
        return settings(config, null);
    }

    static ServerSettings settings(EtchConfig config, TlsConfig peerTls) throws ConfigException {
        Supplier<TokenProvider> tokens = tokenProvider(config);
        String token = config.initialClusterToken();
        List<Member> members = new ArrayList<>();
        for (String name : config.initialClusterMembers().names()) {
            List<String> peerUrls = config.initialClusterMembers().peerUrls(name);
            List<String> clientUrls = name.equals(config.name()) ? config.advertiseClientUrls() : List.of();
            members.add(new Member(MemberIds.memberId(peerUrls, token), name, peerUrls, clientUrls));
        }
        return new ServerSettings(
                config.name(),
                Path.of(config.dataDir()),
                config.walDir().isEmpty() ? null : Path.of(config.walDir()),
                config.bootstrapMemberId(),
                config.bootstrapClusterId(),
                members,
                socketAddress(config.listenPeerUrls().get(0)),
                Duration.ofMillis(config.heartbeatIntervalMs()),
                Duration.ofMillis(config.electionTimeoutMs()),
                config.maxRequestBytes(),
                (int) config.maxTxnOps(),
                config.effectiveQuotaBackendBytes(),
                autoCompaction(config),
                ServerSettings.DEFAULT_LEASE_CHECKPOINT_INTERVAL,
                config.experimentalWatchProgressNotifyInterval(),
                EtchMetrics.Level.of(config.metrics()),
                ServerSettings.maxConcurrentStreamsFromFlag(config.maxConcurrentStreams()),
                config.enableGrpcGateway(),
                Boolean.parseBoolean(config.extra("enable-ui")),
                ServerSettings.GrpcKeepAlive.fromFlags(config.grpcKeepAliveMinTime(), config.grpcKeepAliveInterval(),
                        config.grpcKeepAliveTimeout()),
                config.preVote(),
                config.unsafeNoFsync(),
                new ServerSettings.Auth(tokens, bcryptCost(config.bcryptCost()), config.clientTls().clientCertAuth()),
                peerTls,
                new ServerSettings.Reconfig(config.strictReconfigCheck(), maxLearners(config), false,
                        ServerSettings.Reconfig.DEFAULTS.healthInterval()),
                new ServerSettings.Snapshots(config.snapshotCount() == 0 ? ServerSettings.Snapshots.DEFAULTS.count() : config.snapshotCount(),
                        Long.parseUnsignedLong(config.extra("snapshot-catchup-entries"))));
    }

    private static int maxLearners(EtchConfig config) {
        try {
            return Integer.parseInt(config.extra("max-learners"));
        } catch (IllegalArgumentException e) {
            return 1;
        }
    }

    /** As etcd: a cost bcrypt does not take (4 to 31) is replaced by the default, 10, with a warning. */
    private static int bcryptCost(long cost) {
        if (cost < 4 || cost > 31) {
            log.warn("use default bcrypt cost instead of the invalid given cost: min-cost=4 max-cost=31 default-cost=10 given-cost={}", cost);
            return 10;
        }
        return (int) cost;
    }

    /** Checked once now, so a bad --auth-token stops the start with a message naming what is wrong. */
    private static Supplier<TokenProvider> tokenProvider(EtchConfig config) throws ConfigException {
        try {
            TokenSettings.provider(config.authToken(), config.authTokenTtlSeconds(), ConfigLoader::goDuration);
        } catch (TokenSettings.Invalid e) {
            throw new ConfigException("--auth-token: " + e.getMessage());
        }
        return () -> {
            try {
                return TokenSettings.provider(config.authToken(), config.authTokenTtlSeconds(), ConfigLoader::goDuration);
            } catch (TokenSettings.Invalid e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        };
    }

    private static ServerSettings.AutoCompaction autoCompaction(EtchConfig config) {
        if (!config.autoCompactionEnabled()) {
            return ServerSettings.AutoCompaction.OFF;
        }
        return config.autoCompactionMode().equals("revision")
                ? new ServerSettings.AutoCompaction(Duration.ZERO, config.autoCompactionRevisions())
                : new ServerSettings.AutoCompaction(config.autoCompactionPeriod(), 0);
    }

    private static InetSocketAddress socketAddress(String url) {
        URI uri = URI.create(url);
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    private static void setLogLevel(String level) {
        Level logback = switch (level) {
            case "debug" -> Level.DEBUG;
            case "warn" -> Level.WARN;
            case "error", "panic", "fatal" -> Level.ERROR;
            default -> Level.INFO;
        };
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(logback);
    }
}
