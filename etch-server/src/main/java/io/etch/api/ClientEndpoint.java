package io.etch.api;

import io.etch.server.EtchServer;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The client-facing listener: gRPC services and HTTP endpoints on every --listen-client-urls address. */
public final class ClientEndpoint implements AutoCloseable {

    /** gRPC accepts a little more than --max-request-bytes so the server can answer with etcd's own error. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final Server grpc;
    private final WatchService watch;

    private ClientEndpoint(Server grpc, WatchService watch) {
        this.grpc = grpc;
        this.watch = watch;
    }

    public static ClientEndpoint start(EtchServer server, List<InetSocketAddress> addresses, Executor executor)
            throws IOException {
        WatchService watch = new WatchService(server, executor, server.settings().maxRequestBytes() + GRPC_OVERHEAD_BYTES);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(addresses.get(0));
        for (InetSocketAddress extra : addresses.subList(1, addresses.size())) {
            builder.addListenAddress(extra);
        }
        builder.protocolNegotiator(new PortSharingNegotiator(() -> new HttpEndpoints(server)))
                .executor(executor)
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, server.settings().maxRequestBytes() + GRPC_OVERHEAD_BYTES))
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        List<ServerServiceDefinition> services = List.of(
                new KvService(server).bindService(),
                new MaintenanceService(server).bindService(),
                new ClusterService(server).bindService(),
                new LeaseService(server).bindService(),
                watch.bindService());
        GrpcMetricsInterceptor counting = new GrpcMetricsInterceptor(server.metrics());
        counting.initialize(services);
        services.forEach(builder::addService);
        builder.intercept(counting);
        return new ClientEndpoint(builder.build().start(), watch);
    }

    @Override
    public void close() throws InterruptedException {
        grpc.shutdown();
        watch.stop(); // watch streams never end on their own
        if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
            grpc.shutdownNow();
        }
    }
}
