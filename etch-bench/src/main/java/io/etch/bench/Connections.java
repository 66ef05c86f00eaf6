package io.etch.bench;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.io.PrintStream;
import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Opening gRPC connections to the endpoints, as etcd's tool does with {@code --conns}. */
final class Connections {
    /** How long to wait for connections when {@code --dial-timeout} is not given, before starting anyway. */
    static final long DEFAULT_CONNECT_WAIT_MILLIS = 10_000;

    /**
     * The I/O threads every connection shares. Few: the callbacks on them do little, and fewer
     * threads wake up less often and batch more per wake-up, which keeps the client's CPU use down.
     */
    private static final EventLoopGroup EVENT_LOOPS = new NioEventLoopGroup(
        Integer.getInteger("etch.bench.ioThreads", Math.max(1, Runtime.getRuntime().availableProcessors() / 2)), new DefaultThreadFactory("etch-bench-io", true));

    /** Per-stream and connection receive window: larger than any response of the benchmarks. */
    static final int FLOW_CONTROL_WINDOW = 16 << 20;

    private Connections() {
    }

    /**
     * The client TLS of --cacert, --cert and --key (etcd's tool flags), or null when none is given.
     * Without --cacert the system's roots verify the server.
     */
    static SslContext tls(String cacert, String cert, String key) {
        if (cacert == null && cert == null && key == null) {
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key must be given together");
        }
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            if (cacert != null) {
                b.trustManager(new File(cacert));
            }
            if (cert != null) {
                b.keyManager(new File(cert), new File(key));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files: " + e.getMessage());
        }
    }

    /**
     * A channel to {@code host:port}: plaintext for a bare address or {@code http://}, TLS for
     * {@code https://} (which needs {@code tls}, the settings' {@link BenchSettings#tls()}).
     */
    static ManagedChannel open(String endpoint, SslContext tls) {
        String hostPort = endpoint;
        boolean secure = false;
        if (hostPort.startsWith("http://")) {
            hostPort = hostPort.substring("http://".length());
        } else if (hostPort.startsWith("https://")) {
            hostPort = hostPort.substring("https://".length());
            secure = true;
        } else if (hostPort.contains("://")) {
            throw new IllegalArgumentException("unsupported endpoint (http or https only): " + endpoint);
        }
        if (secure && tls == null) {
            try {
                tls = GrpcSslContexts.forClient().build(); // the system's roots
            } catch (SSLException e) {
                throw new IllegalArgumentException("TLS: " + e.getMessage());
            }
        }
        if (hostPort.endsWith("/")) {
            hostPort = hostPort.substring(0, hostPort.length() - 1);
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("endpoint needs host:port, got " + endpoint);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint needs a numeric port, got " + endpoint);
        }
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port);
        if (secure) {
            builder.sslContext(tls);
        } else {
            builder.usePlaintext();
        }
        return builder
            .eventLoopGroup(EVENT_LOOPS)
            .channelType(NioSocketChannel.class)
            // A failed request counts as failed, as in etcd's tool; and without retries gRPC keeps no
            // per-call buffer of what it sent, which is CPU the client would take from the server.
            .disableRetry()
            // Callbacks run on the transport threads: they only record a time and send the next request.
            .directExecutor()
            .maxInboundMessageSize(Integer.MAX_VALUE)
            // A fixed window turns off gRPC's flow-control auto-tuning, which pings the server after
            // reading data: with few clients that is one more round trip, for both sides, per request.
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .build();
    }

    /**
     * Opens {@code count} channels spread round-robin over the endpoints (only the leader's with
     * {@code --target-leader}) and waits until they are connected, so that connection setup does
     * not count as request latency.
     */
    static List<ManagedChannel> open(BenchSettings s, int count, PrintStream err) throws InterruptedException {
        List<String> eps = s.targetLeader() ? List.of(leaderEndpoint(s.endpoints(), s.dialTimeoutMillis(), s.tls()))
            : s.endpoints();
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            channels.add(open(eps.get(i % eps.size()), s.tls()));
        }
        try {
            awaitConnected(channels, s.dialTimeoutMillis(), err);
        } catch (RuntimeException | InterruptedException e) {
            close(channels);
            throw e;
        }
        return channels;
    }

    static void close(List<ManagedChannel> channels) throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            ch.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until every channel is READY. With a dial timeout (etcd's {@code --dial-timeout}) a
     * channel that is not ready in time is an error; without one, a warning after
     * {@link #DEFAULT_CONNECT_WAIT_MILLIS} and the run starts anyway.
     */
    static void awaitConnected(List<ManagedChannel> channels, long dialTimeoutMillis, PrintStream err)
        throws InterruptedException {
        long wait = dialTimeoutMillis > 0 ? dialTimeoutMillis : DEFAULT_CONNECT_WAIT_MILLIS;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        for (ManagedChannel ch : channels) {
            while (true) {
                ConnectivityState state = ch.getState(true);
                if (state == ConnectivityState.READY) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (dialTimeoutMillis > 0) {
                        throw new IllegalArgumentException("dial error: connection to " + ch.authority()
                            + " not ready after " + dialTimeoutMillis + " ms (state " + state + ")");
                    }
                    err.println("etch-bench: connection to " + ch.authority() + " not ready after " + wait
                        + " ms (state " + state + "); starting anyway");
                    return;
                }
                CountDownLatch changed = new CountDownLatch(1);
                ch.notifyWhenStateChanged(state, changed::countDown);
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Maintenance.Status of one endpoint, with a deadline. */
    static StatusResponse status(ManagedChannel ch, long timeoutMillis) {
        return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance());
    }

    /** The endpoint whose member is the leader, asking each endpoint's Status in turn. */
    static String leaderEndpoint(List<String> endpoints, long dialTimeoutMillis, SslContext tls)
            throws InterruptedException {
        long timeout = dialTimeoutMillis > 0 ? dialTimeoutMillis : 5_000;
        long leader = 0;
        String lastError = null;
        for (String ep : endpoints) {
            ManagedChannel ch = open(ep, tls);
            try {
                StatusResponse st = status(ch, timeout);
                if (st.getLeader() != 0) {
                    leader = st.getLeader();
                }
                if (st.getHeader().getMemberId() == st.getLeader()) {
                    return ep;
                }
            } catch (StatusRuntimeException e) {
                lastError = ep + ": " + ErrorText.of(e);
            } finally {
                ch.shutdownNow();
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        throw new IllegalArgumentException("--target-leader: no endpoint is the leader"
            + (leader != 0 ? " (leader " + Long.toHexString(leader) + " is not among the endpoints)" : "")
            + (lastError != null ? "; " + lastError : ""));
    }
}
