package io.etch.api;

import io.etch.api.gateway.JsonGateway;
import io.etch.server.EtchServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import io.etch.tls.TlsConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The client-facing listeners: gRPC services and HTTP endpoints on every --listen-client-urls
 * address, plaintext for {@code http://} and TLS for {@code https://} ones.
 */
public final class ClientEndpoint implements AutoCloseable {

    /** gRPC accepts a little more than --max-request-bytes so the server can answer with etcd's own error. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final List<Server> grpc;
    private final Server gatewayServer;
    private final ManagedChannel gatewayChannel;
    private final WatchService watch;

    private ClientEndpoint(List<Server> grpc, Server gatewayServer, ManagedChannel gatewayChannel, WatchService watch) {
        this.grpc = grpc;
        this.gatewayServer = gatewayServer;
        this.gatewayChannel = gatewayChannel;
        this.watch = watch;
    }

    public static ClientEndpoint start(EtchServer server, List<ClientListener> listeners, Executor executor)
            throws IOException {
        WatchService watch = new WatchService(server, executor, server.settings().maxRequestBytes() + GRPC_OVERHEAD_BYTES);
        List<ServerServiceDefinition> plain = List.of(new KvService(server, executor).bindService(),
                new MaintenanceService(server).bindService(), new ClusterService(server).bindService(),
                new LeaseService(server).bindService(), watch.bindService(),
                new LockService(server, executor).bindService(), new ElectionService(server, executor).bindService(),
                new AuthService(server).bindService());
        // Counted for grpc_server_* wherever they come from, gRPC clients or the gateway, as in etcd.
        GrpcMetricsInterceptor counting = new GrpcMetricsInterceptor(server.metrics());
        counting.initialize(plain);
        // Interceptors run last to first: the caller's credentials are in the context before counting starts.
        Callers callers = new Callers();
        LearnerGuard learners = new LearnerGuard(server);
        List<ServerServiceDefinition> services = plain.stream()
                .map(s -> UnmarshalErrors.intercept(s, learners, counting, callers)).toList();
        int maxInbound = (int) Math.min(Integer.MAX_VALUE, server.settings().maxRequestBytes() + GRPC_OVERHEAD_BYTES);

        // The JSON gateway calls the same service objects in process, so it shares their validation and errors.
        String gatewayName = InProcessServerBuilder.generateName();
        InProcessServerBuilder gatewayBuilder = InProcessServerBuilder.forName(gatewayName).executor(executor)
                .maxInboundMessageSize(maxInbound);
        services.forEach(gatewayBuilder::addService);
        Server gatewayServer = gatewayBuilder.build().start();
        // Direct: the gateway's callbacks only encode and queue a write on the HTTP connection, and
        // an answer is queued by the time its call ends (close() relies on that).
        ManagedChannel gatewayChannel = InProcessChannelBuilder.forName(gatewayName).directExecutor()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        JsonGateway gateway = new JsonGateway(gatewayChannel, server.settings().maxConcurrentStreams());

        // One gRPC server per kind of listener (plaintext or TLS, what it serves): Netty's server
        // builder takes one protocol negotiator for all its addresses.
        record Kind(Optional<TlsConfig> tls, ClientListener.Serves serves) {
        }
        Map<Kind, List<InetSocketAddress>> groups = new LinkedHashMap<>();
        for (ClientListener l : listeners) {
            groups.computeIfAbsent(new Kind(Optional.ofNullable(l.tls()), l.serves()), k -> new ArrayList<>())
                    .add(l.address());
        }
        List<Server> servers = new ArrayList<>();
        try {
            for (Map.Entry<Kind, List<InetSocketAddress>> g : groups.entrySet()) {
                servers.add(grpcServer(server, gateway, services, g.getValue(), g.getKey().tls().orElse(null),
                        g.getKey().serves(), executor, maxInbound).start());
            }
        } catch (IOException | RuntimeException e) {
            servers.forEach(Server::shutdownNow);
            gatewayServer.shutdownNow();
            gatewayChannel.shutdownNow();
            throw e;
        }
        return new ClientEndpoint(servers, gatewayServer, gatewayChannel, watch);
    }

    private static Server grpcServer(EtchServer server, JsonGateway gateway, List<ServerServiceDefinition> services,
                                     List<InetSocketAddress> addresses, TlsConfig tls, ClientListener.Serves serves,
                                     Executor executor, int maxInbound) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(addresses.get(0));
        for (InetSocketAddress extra : addresses.subList(1, addresses.size())) {
            builder.addListenAddress(extra);
        }
        builder.protocolNegotiator(new PortSharingNegotiator(() -> new HttpEndpoints(server, gateway),
                        server.settings().enableGrpcGateway() ? gateway::newStreamHandler : null, tls, serves))
                .executor(executor)
                .maxInboundMessageSize(maxInbound)
                // etcd's --max-concurrent-streams: HTTP/2 streams per client connection.
                .maxConcurrentCallsPerConnection((int) Math.min(Integer.MAX_VALUE, server.settings().maxConcurrentStreams()))
                // etcd's --grpc-keepalive-*: pings from clients no more often than min-time while
                // they have calls open (etcd sets PermitWithoutStream false: without calls, grpc
                // allows one about every two hours, in grpc-go and grpc-java alike); the server pings
                // an idle client every interval and drops it after timeout without an answer.
                .permitKeepAliveTime(server.settings().grpcKeepAlive().minTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTime(server.settings().grpcKeepAlive().interval().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(server.settings().grpcKeepAlive().timeout().toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveWithoutCalls(false);
        services.forEach(builder::addService);
        return builder.build();
    }

    @Override
    public void close() throws InterruptedException {
        // The gateway goes first: shutting the gRPC server down closes the HTTP connections at
        // once, so the gateway's streams must have queued their last answer before that.
        gatewayServer.shutdown();
        watch.stop(); // watch streams never end on their own
        if (!gatewayServer.awaitTermination(5, TimeUnit.SECONDS)) {
            gatewayServer.shutdownNow();
        }
        gatewayChannel.shutdownNow();
        grpc.forEach(Server::shutdown);
        watch.stop(); // and any gRPC watch opened meanwhile
        for (Server s : grpc) {
            if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                s.shutdownNow();
            }
        }
    }
}
