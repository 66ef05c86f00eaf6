package io.etch.process;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A cluster of packaged members ({@code m0..m<n-1>}), each a separate {@link EtchProcess} on
 * loopback ports, with the faults a process test injects: SIGSTOP/SIGCONT, SIGKILL and a restart
 * on the same flags and data directory, and (started with {@link #startBehindProxies}) network
 * partitions between members through {@link #network()}.
 */
public final class ProcessCluster implements AutoCloseable {

    private final Path dir;
    private final int[] clientPorts;
    private final List<List<String>> flags;
    private final EtchProcess[] members;
    private final int[] restarts;
    /** Bumped on every kill: tells whether a member's state survived between two moments. */
    private final AtomicIntegerArray incarnations;
    private PeerNetwork network;

    private ProcessCluster(Path dir, int[] clientPorts, List<List<String>> flags) {
        this.dir = dir;
        this.clientPorts = clientPorts;
        this.flags = flags;
        this.members = new EtchProcess[clientPorts.length];
        this.restarts = new int[clientPorts.length];
        this.incarnations = new AtomicIntegerArray(clientPorts.length);
    }

    /**
     * Starts {@code n} members with etcd's cluster flags (logs and data directories under {@code dir})
     * and waits until every one serves clients.
     */
    public static ProcessCluster start(Path dir, int n, String token, int heartbeatMs, int electionMs)
            throws InterruptedException {
        int[] peerPorts = ports(n);
        return create(dir, token, heartbeatMs, electionMs, peerPorts, peerPorts).startedAll();
    }

    /** Gets a member's flags before it starts: to restore its data dir from a snapshot, say. */
    @FunctionalInterface
    public interface Preparation {
        void prepare(int member, List<String> flags) throws Exception;
    }

    /** As {@link #start}, with {@code preparation} run for each member first. */
    public static ProcessCluster startPrepared(Path dir, int n, String token, int heartbeatMs, int electionMs,
                                               Preparation preparation) throws Exception {
        int[] peerPorts = ports(n);
        ProcessCluster c = create(dir, token, heartbeatMs, electionMs, peerPorts, peerPorts);
        for (int i = 0; i < n; i++) {
            preparation.prepare(i, c.flags.get(i));
        }
        return c.startedAll();
    }

    /**
     * As {@link #start}, with every member's peer traffic through a {@link PeerProxy}: each member
     * listens for peers on one port ({@code --listen-peer-urls}) and advertises its proxy's
     * ({@code --initial-advertise-peer-urls}, {@code --initial-cluster}), so that
     * {@link #network()} can cut and heal the links between members.
     */
    public static ProcessCluster startBehindProxies(Path dir, int n, String token, int heartbeatMs, int electionMs)
            throws InterruptedException, java.io.IOException {
        int[] listenPorts = ports(n);
        int[] advertisedPorts = ports(n);
        ProcessCluster c = create(dir, token, heartbeatMs, electionMs, listenPorts, advertisedPorts);
        c.network = new PeerNetwork(advertisedPorts, listenPorts, c::pid);
        return c.startedAll();
    }

    private static int[] ports(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = EtchProcess.freePort();
        }
        return ports;
    }

    private static ProcessCluster create(Path dir, String token, int heartbeatMs, int electionMs, int[] listenPorts,
                                         int[] advertisedPorts) {
        int n = listenPorts.length;
        int[] clientPorts = ports(n);
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < n; i++) {
            cluster.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(advertisedPorts[i]);
        }
        List<List<String>> flags = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String client = "http://127.0.0.1:" + clientPorts[i];
            flags.add(List.of("--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", "http://127.0.0.1:" + listenPorts[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + advertisedPorts[i],
                    "--initial-cluster", cluster.toString(), "--initial-cluster-token", token,
                    "--heartbeat-interval", Integer.toString(heartbeatMs),
                    "--election-timeout", Integer.toString(electionMs),
                    // Snapshots and log purges happen during the tests' faults, not only after 10,000 entries.
                    "--snapshot-count", "1000", "--snapshot-catchup-entries", "200"));
        }
        return new ProcessCluster(dir, clientPorts, flags);
    }

    private ProcessCluster startedAll() throws InterruptedException {
        try {
            startAll();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        return this;
    }

    private void startAll() throws InterruptedException {
        List<Thread> starters = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < members.length; i++) {
            EtchProcess m = new EtchProcess(flags.get(i), dir.resolve("m" + i + ".log"));
            set(i, m);
            Thread t = new Thread(() -> {
                try {
                    m.start();
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "start-m" + i);
            t.start();
            starters.add(t);
        }
        for (Thread t : starters) {
            t.join();
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("a member did not start", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    public int size() {
        return members.length;
    }

    public EtchProcess member(int i) {
        return members[i];
    }

    public String endpoint(int i) {
        return "http://127.0.0.1:" + clientPorts[i];
    }

    /** How many times member {@code i} has been killed so far. */
    public int incarnation(int i) {
        return incarnations.get(i);
    }

    /** A plaintext channel to member {@code i}'s client port; gRPC's own retries are off. */
    public ManagedChannel channel(int i) {
        return NettyChannelBuilder.forAddress("127.0.0.1", clientPorts[i]).usePlaintext().disableRetry().build();
    }

    public StatusResponse status(int i, long timeout, TimeUnit unit) {
        ManagedChannel ch = channel(i);
        try {
            return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(timeout, unit)
                    .status(StatusRequest.getDefaultInstance());
        } finally {
            ch.shutdownNow();
        }
    }

    public void pause(int i) throws Exception {
        members[i].pause();
    }

    public void resume(int i) throws Exception {
        members[i].resume();
    }

    public void kill9(int i) throws InterruptedException {
        incarnations.incrementAndGet(i);
        members[i].kill9();
    }

    /** Starts a killed member again on the same flags and data directory; waits until it serves. */
    public void restart(int i) throws Exception {
        if (members[i].isAlive()) {
            throw new IllegalStateException("m" + i + " is still running");
        }
        EtchProcess m = new EtchProcess(flags.get(i), dir.resolve("m" + i + "-restart" + (++restarts[i]) + ".log"));
        set(i, m);
        m.start();
    }

    private synchronized void set(int i, EtchProcess m) {
        members[i] = m;
    }

    /** Member {@code i}'s process id, or -1 while it has no running process (the proxies ask). */
    private synchronized long pid(int i) {
        EtchProcess m = members[i];
        return m == null || !m.isAlive() ? -1 : m.pid();
    }

    /** The peer links, when the cluster was started {@link #startBehindProxies behind proxies}. */
    public PeerNetwork network() {
        if (network == null) {
            throw new IllegalStateException("not started behind peer proxies");
        }
        return network;
    }

    /**
     * The member a majority of the cluster names as leader and that names itself, asked of the
     * running, unpaused members; waits up to 30 s for one.
     */
    public int leaderIndex() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Map<Long, Integer> indexById = new HashMap<>();
            Map<Long, Integer> votes = new HashMap<>();
            Map<Integer, Long> named = new HashMap<>();
            for (int i = 0; i < members.length; i++) {
                if (members[i] == null || !members[i].isAlive() || members[i].isPaused()) {
                    continue;
                }
                try {
                    StatusResponse s = status(i, 2, TimeUnit.SECONDS);
                    indexById.put(s.getHeader().getMemberId(), i);
                    named.put(i, s.getLeader());
                    if (s.getLeader() != 0) {
                        votes.merge(s.getLeader(), 1, Integer::sum);
                    }
                } catch (RuntimeException unreachable) {
                    // a member that does not answer has no say
                }
            }
            for (Map.Entry<Long, Integer> v : votes.entrySet()) {
                Integer index = indexById.get(v.getKey());
                if (v.getValue() > members.length / 2 && index != null && v.getKey().equals(named.get(index))) {
                    return index;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within 30s");
    }

    @Override
    public void close() throws InterruptedException {
        try {
            for (EtchProcess m : members) {
                if (m != null) {
                    m.close();
                }
            }
        } finally {
            if (network != null) {
                network.close();
            }
        }
    }
}
