package io.etch;

import io.etch.api.ClientEndpoint;
import io.etch.api.ClientListener;
import io.etch.api.MetricsEndpoint;
import io.etch.server.EtchServer;
import io.etch.server.ServerSettings;
import io.etch.server.Version;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A running member: the server core plus its client listener. What {@code bin/etch} starts. */
public final class EtchMember implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EtchMember.class);

    private final ExecutorService executor;
    private final EtchServer server;
    private final ClientEndpoint endpoint;
    private final MetricsEndpoint metricsEndpoint;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.CompletableFuture<Void> stopped = new java.util.concurrent.CompletableFuture<>();

    private EtchMember(ExecutorService executor, EtchServer server, ClientEndpoint endpoint, MetricsEndpoint metricsEndpoint) {
        this.executor = executor;
        this.server = server;
        this.endpoint = endpoint;
        this.metricsEndpoint = metricsEndpoint;
    }

    public static EtchMember start(ServerSettings settings, List<InetSocketAddress> clientAddresses) throws IOException {
        return start(settings, clientAddresses, List.of());
    }

    /** Plaintext listeners only. */
    public static EtchMember start(ServerSettings settings, List<InetSocketAddress> clientAddresses,
                                   List<InetSocketAddress> metricsAddresses) throws IOException {
        return startListening(settings, clientAddresses.stream().map(ClientListener::plaintext).toList(),
                metricsAddresses.stream().map(ClientListener::plaintext).toList());
    }

    /**
     * {@code clientListeners}: --listen-client-urls, plaintext or TLS; {@code metricsListeners}:
     * --listen-metrics-urls, often none.
     */
    public static EtchMember startListening(ServerSettings settings, List<ClientListener> clientListeners,
                                            List<ClientListener> metricsListeners) throws IOException {
        return startListening(settings, clientListeners, metricsListeners, false, e -> { });
    }

    /**
     * As {@link #startListening(ServerSettings, List, List)}; with {@code initialCorruptCheck}, the
     * member compares its data with its peers' before it says it serves, and hands a mismatch to
     * {@code inconsistent} (the launcher exits, as etcd does) instead.
     */
    public static EtchMember startListening(ServerSettings settings, List<ClientListener> clientListeners,
                                            List<ClientListener> metricsListeners, boolean initialCorruptCheck,
                                            java.util.function.Consumer<Throwable> inconsistent) throws IOException {
        // gRPC handlers and reads run here, never on Netty's event loops.
        int threads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        ExecutorService executor = Executors.newFixedThreadPool(threads, named("etch-rpc-" + settings.name()));
        EtchServer server = null;
        try {
            server = EtchServer.start(settings, executor);
            ClientEndpoint endpoint = ClientEndpoint.start(server, clientListeners, executor);
            MetricsEndpoint metricsEndpoint = null;
            if (!metricsListeners.isEmpty()) {
                try {
                    metricsEndpoint = MetricsEndpoint.start(server, metricsListeners);
                } catch (IOException e) {
                    closeQuietly(endpoint);
                    throw e;
                }
            }
            // Supervisors wait for this line and then connect: say it only once the port listens.
            EtchServer ready = server;
            server.ready().thenCompose(v -> initialCorruptCheck ? ready.initialCorruptionCheck()
                    : java.util.concurrent.CompletableFuture.completedFuture(null)).whenComplete((v, e) -> {
                        if (e != null) {
                            inconsistent.accept(e.getCause() != null ? e.getCause() : e);
                        }
                    }).thenCompose(v -> ready.publishAttributes()).thenRun(() -> {
                log.info("published local member to cluster through raft: local-member-id={} cluster-id={} leader={}",
                        EtchServer.hex(settings.memberId()), EtchServer.hex(settings.clusterId()),
                        EtchServer.hex(ready.status().getLeader()));
                log.info("enabled capabilities for version {}", Version.CAPABILITY);
                log.info("ready to serve client requests on {}", clientListeners.stream()
                        .map(l -> (l.secure() ? "https://" : "http://") + l.address().getHostString() + ":"
                                + l.address().getPort()).toList());
            });
            EtchMember member = new EtchMember(executor, server, endpoint, metricsEndpoint);
            // A member removed from the cluster stops by itself, as etcd's does.
            server.removed().thenRun(() -> {
                Thread t = new Thread(() -> {
                    try {
                        member.close();
                    } catch (IOException | RuntimeException e) {
                        log.warn("error while stopping: {}", e.toString());
                    }
                }, "etch-removed");
                t.start();
            });
            return member;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            executor.shutdownNow();
            throw e;
        }
    }

    private static void closeQuietly(ClientEndpoint endpoint) {
        try {
            endpoint.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Completes once this member stopped (closed, or stopped by itself after it was removed). */
    public java.util.concurrent.CompletableFuture<Void> stopped() {
        return stopped;
    }

    public EtchServer server() {
        return server;
    }

    /** etcd's graceful stop: a leader first hands leadership to a follower (see {@link EtchServer#handOverLeadership}). */
    public void stopGracefully() throws IOException {
        server.handOverLeadership();
        close();
    }

    /** Stops at once, as etcd's HardStop: peers find out by missing heartbeats. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (metricsEndpoint != null) {
                metricsEndpoint.close();
            }
            endpoint.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                server.close();
            } finally {
                executor.shutdownNow();
                try {
                    executor.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    stopped.complete(null);
                }
            }
        }
    }
}
