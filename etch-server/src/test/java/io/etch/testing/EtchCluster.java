package io.etch.testing;

import io.etch.EtchMember;
import io.etch.api.ClientListener;
import io.etch.config.EtchConfig;
import io.etch.config.MemberIds;
import io.etch.metrics.EtchMetrics;
import io.etch.server.Member;
import io.etch.server.ServerSettings;
import io.etch.tls.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * In-process members on loopback ports, each with its own data directory, talking real gRPC to
 * each other and to clients. Members can be stopped and restarted on the same data.
 */
public final class EtchCluster implements AutoCloseable {

    private final Path root;
    private final List<Member> members = new ArrayList<>();
    private final List<InetSocketAddress> clientAddresses = new ArrayList<>();
    private final List<InetSocketAddress> peerAddresses = new ArrayList<>();
    private final List<EtchMember> running = new ArrayList<>();
    /** Members started to join the running cluster (their ids come from the cluster). */
    private final java.util.Set<Integer> joined = new java.util.HashSet<>();
    private final String token;
    private ServerSettings.Reconfig reconfig = ServerSettings.Reconfig.DEFAULTS;
    private ServerSettings.Snapshots snapshots = ServerSettings.Snapshots.DEFAULTS;
    private final long clusterId;
    private final Duration watchProgressInterval;
    private final List<InetSocketAddress> metricsAddresses = new ArrayList<>();
    private EtchMetrics.Level metricsLevel = EtchMetrics.Level.BASIC;
    private boolean metricsListeners;
    /** --max-txn-ops. */
    private int maxTxnOps = 128;
    /** --max-concurrent-streams. */
    private long maxConcurrentStreams = 4_294_967_295L;
    private long quotaBackendBytes = EtchConfig.DEFAULT_QUOTA_BACKEND_BYTES;
    /** --grpc-keepalive-min-time, --grpc-keepalive-interval, --grpc-keepalive-timeout. */
    private ServerSettings.GrpcKeepAlive grpcKeepAlive = ServerSettings.GrpcKeepAlive.DEFAULTS;
    /** --enable-grpc-gateway and --enable-ui. */
    private boolean httpApis = true;
    /** --auth-token, --bcrypt-cost, --client-cert-auth. */
    private ServerSettings.Auth auth = ServerSettings.Auth.DEFAULTS;
    private final Tls tls;
    /** --listen-client-http-urls: one HTTP-only port per member, the client port then serves gRPC only. */
    private boolean splitHttp;
    private final List<InetSocketAddress> httpAddresses = new ArrayList<>();

    /**
     * TLS of a cluster: {@code client} for the client port of every member (null: plaintext),
     * {@code peer} for member i's peer port and its connections to peers (null: plaintext peers).
     */
    public record Tls(TlsConfig client, IntFunction<TlsConfig> peer) {
        public static final Tls NONE = new Tls(null, null);
    }

    private EtchCluster(int size, Duration watchProgressInterval) throws IOException {
        this(size, watchProgressInterval, Tls.NONE);
    }

    private EtchCluster(int size, Duration watchProgressInterval, Tls tls) throws IOException {
        this.tls = tls;
        this.watchProgressInterval = watchProgressInterval;
        this.root = Files.createTempDirectory("etch-cluster");
        this.token = "etch-test-" + System.nanoTime();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            InetSocketAddress client = new InetSocketAddress("127.0.0.1", freePort());
            InetSocketAddress peer = new InetSocketAddress("127.0.0.1", freePort());
            String peerUrl = (tls.peer() != null ? "https" : "http") + "://127.0.0.1:" + peer.getPort();
            long id = MemberIds.memberId(List.of(peerUrl), token);
            ids.add(id);
            members.add(new Member(id, "m" + i, List.of(peerUrl),
                    List.of((tls.client() != null ? "https" : "http") + "://127.0.0.1:" + client.getPort())));
            clientAddresses.add(client);
            peerAddresses.add(peer);
            metricsAddresses.add(new InetSocketAddress("127.0.0.1", freePort()));
            httpAddresses.add(new InetSocketAddress("127.0.0.1", freePort()));
            running.add(null);
        }
        this.clusterId = MemberIds.clusterId(ids);
    }

    /** Starts {@code size} members and waits until every one of them can serve. */
    public static EtchCluster start(int size) throws IOException {
        return start(size, Duration.ofMinutes(10));
    }

    /** As {@link #start(int)}, with etcd's --experimental-watch-progress-notify-interval. */
    public static EtchCluster start(int size, Duration watchProgressInterval) throws IOException {
        return start(new EtchCluster(size, watchProgressInterval));
    }

    /**
     * As {@link #start(int)}, each member also serving /metrics and the health endpoints on its own
     * port (--listen-metrics-urls, see {@link #metricsPort}), with {@code --metrics level}.
     */
    public static EtchCluster startWithMetricsListeners(int size, EtchMetrics.Level level) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.metricsLevel = level;
        cluster.metricsListeners = true;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --max-txn-ops (tests that load many keys quickly raise it). */
    public static EtchCluster startWithMaxTxnOps(int size, int ops) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.maxTxnOps = ops;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --quota-backend-bytes. */
    public static EtchCluster startWithQuota(int size, long quotaBackendBytes) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.quotaBackendBytes = quotaBackendBytes;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --max-concurrent-streams. */
    public static EtchCluster startWithMaxConcurrentStreams(int size, long streams) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.maxConcurrentStreams = streams;
        return start(cluster);
    }

    /** As {@link #start(int)}, with etcd's --grpc-keepalive-* flags. */
    public static EtchCluster startWithGrpcKeepAlive(int size, ServerSettings.GrpcKeepAlive keepAlive) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.grpcKeepAlive = keepAlive;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --enable-grpc-gateway=false and --enable-ui=false. */
    public static EtchCluster startWithoutGatewayAndUi(int size) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.httpApis = false;
        return start(cluster);
    }

    /** As {@link #start(int)}, with the given token provider and bcrypt cost (tests use a low one). */
    public static EtchCluster startWithAuth(int size, ServerSettings.Auth auth) throws IOException {
        return startWithTlsAndAuth(size, Tls.NONE, auth);
    }

    /** As {@link #startWithTls(int, Tls)}, with auth settings too (client certificate auth, say). */
    public static EtchCluster startWithTlsAndAuth(int size, Tls tls, ServerSettings.Auth auth) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10), tls);
        cluster.auth = auth;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --listen-client-http-urls (see {@link #httpPort}); with client TLS or not. */
    public static EtchCluster startWithSeparateHttp(int size, TlsConfig clientTls) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10), new Tls(clientTls, null));
        cluster.splitHttp = true;
        return start(cluster);
    }

    /** As {@link #start(int)}, with client and/or peer TLS. */
    public static EtchCluster startWithTls(int size, Tls tls) throws IOException {
        return start(new EtchCluster(size, Duration.ofMinutes(10), tls));
    }

    /**
     * Starts every member with client and/or peer TLS, and waits only for the members in
     * {@code ready} (the others may be unable to join, which is what the caller checks).
     */
    public static EtchCluster startWithTls(int size, Tls tls, java.util.Set<Integer> ready) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10), tls);
        try {
            for (int i = 0; i < size; i++) {
                cluster.startMemberAsync(i);
            }
            for (int i : ready) {
                cluster.awaitReady(i);
            }
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * As {@link #start(int)}, with --strict-reconfig-check, --max-learners and the health interval
     * (etcd's 5 s; tests of membership changes shorten it).
     */
    public static EtchCluster startWithReconfig(int size, ServerSettings.Reconfig reconfig) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.reconfig = reconfig;
        return start(cluster);
    }

    /** As {@link #start(int)}, with --snapshot-count and --snapshot-catchup-entries. */
    public static EtchCluster startWithSnapshots(int size, ServerSettings.Snapshots snapshots) throws IOException {
        return startWithSnapshots(size, snapshots, ServerSettings.Reconfig.DEFAULTS);
    }

    /** As {@link #startWithSnapshots(int, ServerSettings.Snapshots)}, with reconfiguration settings. */
    public static EtchCluster startWithSnapshots(int size, ServerSettings.Snapshots snapshots,
                                                 ServerSettings.Reconfig reconfig) throws IOException {
        EtchCluster cluster = new EtchCluster(size, Duration.ofMinutes(10));
        cluster.snapshots = snapshots;
        cluster.reconfig = reconfig;
        return start(cluster);
    }

    private static EtchCluster start(EtchCluster cluster) throws IOException {
        int size = cluster.running.size();
        try {
            for (int i = 0; i < size; i++) {
                cluster.startMemberAsync(i);
            }
            for (int i = 0; i < size; i++) {
                cluster.awaitReady(i);
            }
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private ServerSettings settings(int i) {
        return settings(i, false);
    }

    private ServerSettings settings(int i, boolean joining) {
        Member m = members.get(i);
        // As from the command line: a member knows only its own client URLs until the others publish
        // theirs. Bootstrap members start from the initial cluster, which members added later are not in.
        List<Member> known = new ArrayList<>();
        if (joined.contains(i)) {
            known.add(m); // a joined member restarts from its stored membership
        } else {
            for (int j = 0; j < members.size(); j++) {
                Member o = members.get(j);
                if (!joined.contains(j)) {
                    known.add(j == i ? o : new Member(o.id(), o.name(), o.peerUrls(), List.of()));
                }
            }
        }
        return new ServerSettings(m.name(), root.resolve(m.name()), null, m.id(), clusterId, known,
                peerAddresses.get(i), Duration.ofMillis(50), Duration.ofMillis(500), 1572864, maxTxnOps,
                quotaBackendBytes,
                ServerSettings.AutoCompaction.OFF, ServerSettings.DEFAULT_LEASE_CHECKPOINT_INTERVAL,
                watchProgressInterval, metricsLevel, maxConcurrentStreams, httpApis, httpApis,
                grpcKeepAlive, true, false, auth, tls.peer() == null ? null : tls.peer().apply(i),
                reconfig.withJoining(joining), snapshots);
    }

    /**
     * Picks ports and a name for one more member, not started: add it with MemberAdd (its peer URL is
     * {@link #peerUrl}), then {@link #startJoining}. Returns its index.
     */
    public int prepareMember() {
        int i = members.size();
        InetSocketAddress client = new InetSocketAddress("127.0.0.1", freePort());
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", freePort());
        members.add(new Member(0, "m" + i, List.of("http://127.0.0.1:" + peer.getPort()),
                List.of("http://127.0.0.1:" + client.getPort())));
        clientAddresses.add(client);
        peerAddresses.add(peer);
        metricsAddresses.add(new InetSocketAddress("127.0.0.1", freePort()));
        httpAddresses.add(new InetSocketAddress("127.0.0.1", freePort()));
        running.add(null);
        joined.add(i);
        return i;
    }

    public String peerUrl(int i) {
        return members.get(i).peerUrls().get(0);
    }

    /**
     * Starts member i as etcd's --initial-cluster-state existing does: asks the other members (over
     * their peer ports) for the membership, takes the id that MemberAdd gave its peer URL, and joins.
     * Returns without waiting for it to be ready (see {@link #awaitReady}).
     */
    public void startJoiningAsync(int i) throws IOException {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < members.size(); j++) {
            if (j != i && running.get(j) != null) {
                peers.add("127.0.0.1:" + peerAddresses.get(j).getPort());
            }
        }
        io.etch.api.raftpb.ClusterMembers cluster = io.etch.api.raftpb.ClusterMembers.parseFrom(
                io.etch.raft.RaftNode.fetchMembership(peers, null, 5000));
        Member m = members.get(i);
        long id = cluster.getMembersList().stream().filter(s -> s.getPeerUrlsList().equals(m.peerUrls()))
                .findFirst().orElseThrow(() -> new IllegalStateException("member " + i + " was not added")).getId();
        members.set(i, new Member(id, m.name(), m.peerUrls(), m.clientUrls()));
        List<Member> known = new ArrayList<>();
        for (var s : cluster.getMembersList()) {
            known.add(s.getId() == id ? members.get(i) : new Member(s.getId(), "", s.getPeerUrlsList(), List.of(),
                    s.getIsLearner()));
        }
        ServerSettings base = settings(i, true);
        ServerSettings joining = new ServerSettings(base.name(), base.dataDir(), base.walDir(), id, cluster.getClusterId(),
                known, base.peerBind(), base.heartbeat(), base.election(), base.maxRequestBytes(), base.maxTxnOps(),
                base.quotaBackendBytes(), base.autoCompaction(), base.leaseCheckpointInterval(),
                base.watchProgressNotifyInterval(), base.metricsLevel(), base.maxConcurrentStreams(),
                base.enableGrpcGateway(), base.enableUi(), base.grpcKeepAlive(), base.preVote(), base.unsafeNoFsync(),
                base.auth(), base.peerTls(), base.reconfig(), base.snapshots());
        running.set(i, EtchMember.startListening(joining, List.of(new ClientListener(clientAddresses.get(i), tls.client())),
                List.of()));
    }

    /** {@link #startJoiningAsync} and waits until the member is ready. */
    public void startJoining(int i) throws IOException {
        startJoiningAsync(i);
        awaitReady(i);
    }

    private void startMemberAsync(int i) throws IOException {
        List<ClientListener> client = splitHttp
                ? List.of(new ClientListener(clientAddresses.get(i), tls.client(), ClientListener.Serves.GRPC),
                        new ClientListener(httpAddresses.get(i), tls.client(), ClientListener.Serves.HTTP))
                : List.of(new ClientListener(clientAddresses.get(i), tls.client()));
        running.set(i, EtchMember.startListening(settings(i), client,
                metricsListeners ? List.of(new ClientListener(metricsAddresses.get(i), tls.client())) : List.of()));
    }

    public void awaitReady(int i) {
        try {
            running.get(i).server().ready().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("member " + i + " did not become ready", e);
        }
    }

    /** Stops member i as a crash would look to its peers (its data stays). */
    public void stop(int i) throws IOException {
        if (running.get(i) != null) {
            running.get(i).close();
            running.set(i, null);
        }
    }

    /** Stops member i as a supervisor's SIGTERM does: a leader hands leadership over first. */
    public void stopGracefully(int i) throws IOException {
        if (running.get(i) != null) {
            running.get(i).stopGracefully();
            running.set(i, null);
        }
    }

    /** Restarts member i without waiting for it to be ready (it may never be: it was removed, say). */
    public void restartAsync(int i) throws IOException {
        stop(i);
        startMemberAsync(i);
    }

    public void restart(int i) throws IOException {
        stop(i);
        startMemberAsync(i);
        awaitReady(i);
    }

    /** Stops every member, then starts them all together: alone, none of them has a quorum. */
    public void restartAll() throws IOException {
        for (int i = 0; i < running.size(); i++) {
            stop(i);
        }
        for (int i = 0; i < running.size(); i++) {
            startMemberAsync(i);
        }
        for (int i = 0; i < running.size(); i++) {
            awaitReady(i);
        }
    }

    public EtchMember member(int i) {
        return running.get(i);
    }

    public int size() {
        return running.size();
    }

    /** The member that currently leads, as the members themselves report it. */
    public int leaderIndex() {
        for (int i = 0; i < running.size(); i++) {
            EtchMember m = running.get(i);
            if (m != null && !m.stopped().isDone() && m.server().status().getLeader() == members.get(i).id()) {
                return i;
            }
        }
        return -1;
    }

    public long memberId(int i) {
        return members.get(i).id();
    }

    public long clusterId() {
        return clusterId;
    }

    public String endpoint(int i) {
        return (tls.client() != null ? "https" : "http") + "://127.0.0.1:" + clientAddresses.get(i).getPort();
    }

    /** The --listen-metrics-urls port of member i (only with {@link #startWithMetricsListeners}). */
    public int metricsPort(int i) {
        return metricsAddresses.get(i).getPort();
    }

    /** The --listen-client-http-urls port of member i (only with {@link #startWithSeparateHttp}). */
    public int httpPort(int i) {
        return httpAddresses.get(i).getPort();
    }

    public int peerPort(int i) {
        return peerAddresses.get(i).getPort();
    }

    public int clientPort(int i) {
        return clientAddresses.get(i).getPort();
    }

    public String[] endpoints() {
        String[] all = new String[running.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = endpoint(i);
        }
        return all;
    }

    private static int freePort() {
        return TestPorts.next();
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < running.size(); i++) {
            stop(i);
        }
        deleteRecursively(root);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
