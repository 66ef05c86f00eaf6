package io.etch.ctl;

import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3lockpb.LockGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A connection to one of the endpoints, tried in the order given (the next one when a call finds an
 * endpoint unreachable), with TLS and an auth token as clientv3 sends them.
 */
final class Client implements AutoCloseable {
    /** What clientv3.Config holds. */
    record Config(List<String> endpoints, long dialTimeoutNanos, long keepAliveTimeNanos, long keepAliveTimeoutNanos,
                  boolean tls, String cert, String key, String cacert, boolean insecureSkipVerify, String serverName,
                  String user, String password, long commandTimeoutNanos) {
    }

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    final Config cfg;
    private final List<ManagedChannel> opened = new ArrayList<>();
    private int current = -1;
    private ManagedChannel channel;
    private Channel authed;
    private volatile String token;

    Client(Config cfg) {
        this.cfg = cfg;
    }

    /** The endpoint the client talks to now. */
    String endpoint() {
        connected();
        return cfg.endpoints().get(current);
    }

    /** A channel to the first endpoint, in order, that accepts a connection within the dial timeout. */
    synchronized Channel connected() {
        if (authed != null) {
            return authed;
        }
        StatusRuntimeException last = null;
        for (int i = 0; i < cfg.endpoints().size(); i++) {
            ManagedChannel ch = open(cfg.endpoints().get(i));
            if (await(ch, cfg.dialTimeoutNanos())) {
                current = i;
                channel = ch;
                authed = ClientInterceptors.intercept(ch, new TokenInterceptor());
                if (cfg.user() != null) {
                    authenticate();
                }
                return authed;
            }
        }
        throw new StatusRuntimeException(Status.DEADLINE_EXCEEDED.withDescription(Errors.DEADLINE));
    }

    private void authenticate() {
        try {
            token = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS)
                .authenticate(AuthenticateRequest.newBuilder().setName(cfg.user()).setPassword(cfg.password()).build())
                .getToken();
        } catch (StatusRuntimeException e) {
            throw Exit.error(Exit.BAD_CONNECTION, Errors.text(e));
        }
    }

    /** Runs a unary call, on the next endpoint when this one has become unreachable. */
    <T> T call(Function<Channel, T> rpc) {
        Channel ch = connected();
        for (int attempt = 0; ; attempt++) {
            try {
                return rpc.apply(ch);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || e.getStatus().getDescription() != null
                    && e.getStatus().getDescription().startsWith("etcdserver:") || attempt >= cfg.endpoints().size() - 1) {
                    throw e;
                }
                synchronized (this) {
                    authed = null;
                    List<String> rest = new ArrayList<>(cfg.endpoints().subList(current + 1, cfg.endpoints().size()));
                    rest.addAll(cfg.endpoints().subList(0, current + 1));
                    Client next = new Client(new Config(rest, cfg.dialTimeoutNanos(), cfg.keepAliveTimeNanos(),
                        cfg.keepAliveTimeoutNanos(), cfg.tls(), cfg.cert(), cfg.key(), cfg.cacert(), cfg.insecureSkipVerify(),
                        cfg.serverName(), cfg.user(), cfg.password(), cfg.commandTimeoutNanos()));
                    ch = next.connected();
                    opened.addAll(next.opened);
                    authed = ch;
                }
            }
        }
    }

    KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(connected()).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    KVGrpc.KVBlockingStub kv(Channel ch) {
        return KVGrpc.newBlockingStub(ch).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    LeaseGrpc.LeaseBlockingStub lease(Channel ch) {
        return LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    ClusterGrpc.ClusterBlockingStub cluster(Channel ch) {
        return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    MaintenanceGrpc.MaintenanceBlockingStub maintenance(Channel ch) {
        return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    AuthGrpc.AuthBlockingStub auth(Channel ch) {
        return AuthGrpc.newBlockingStub(ch).withDeadlineAfter(cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    WatchGrpc.WatchStub watch() {
        return WatchGrpc.newStub(connected());
    }

    LeaseGrpc.LeaseStub leaseStream() {
        return LeaseGrpc.newStub(connected());
    }

    LockGrpc.LockBlockingStub lock() {
        return LockGrpc.newBlockingStub(connected());
    }

    ElectionGrpc.ElectionBlockingStub election() {
        return ElectionGrpc.newBlockingStub(connected());
    }

    /** A client of the same settings on one endpoint (endpoint health, status, defrag: each endpoint alone). */
    Client forEndpoint(String ep) {
        return new Client(new Config(List.of(ep), cfg.dialTimeoutNanos(), cfg.keepAliveTimeNanos(), cfg.keepAliveTimeoutNanos(),
            cfg.tls(), cfg.cert(), cfg.key(), cfg.cacert(), cfg.insecureSkipVerify(), cfg.serverName(), cfg.user(),
            cfg.password(), cfg.commandTimeoutNanos()));
    }

    private ManagedChannel open(String endpoint) {
        boolean tls = cfg.tls();
        String hostPort = endpoint;
        if (endpoint.startsWith("https://") || endpoint.startsWith("unixs://")) {
            tls = true;
        }
        if (endpoint.contains("://")) {
            URI u = URI.create(endpoint);
            hostPort = u.getHost() + ":" + (u.getPort() < 0 ? (endpoint.startsWith("https") ? 443 : 80) : u.getPort());
        }
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        int port = colon < 0 ? 2379 : Integer.parseInt(hostPort.substring(colon + 1));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        java.net.InetSocketAddress address;
        try {
            address = new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            address = java.net.InetSocketAddress.createUnresolved(host, port);
        }
        NettyChannelBuilder b = Transport.builder(address, Transport.loops())
            .keepAliveTime(cfg.keepAliveTimeNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(cfg.keepAliveTimeoutNanos(), TimeUnit.NANOSECONDS)
            .keepAliveWithoutCalls(true);
        if (tls) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                if (cfg.insecureSkipVerify()) {
                    ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (cfg.cacert() != null) {
                    ssl.trustManager(new File(cfg.cacert()));
                }
                if (cfg.cert() != null && cfg.key() != null) {
                    ssl.keyManager(new File(cfg.cert()), new File(cfg.key()));
                }
                SslContext ctx = ssl.build();
                b.sslContext(ctx).useTransportSecurity();
                if (cfg.serverName() != null) {
                    b.overrideAuthority(cfg.serverName());
                }
            } catch (Exception e) {
                throw Exit.error(Exit.BAD_ARGS, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        } else {
            b.usePlaintext();
        }
        ManagedChannel ch = b.build();
        opened.add(ch);
        return ch;
    }

    private static boolean await(ManagedChannel ch, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        ConnectivityState state = ch.getState(true);
        boolean failedOnce = false;
        while (state != ConnectivityState.READY) {
            if (state == ConnectivityState.TRANSIENT_FAILURE) {
                if (failedOnce) {
                    return false;
                }
                failedOnce = true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            CountDownLatch changed = new CountDownLatch(1);
            ch.notifyWhenStateChanged(state, changed::countDown);
            try {
                changed.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            state = ch.getState(true);
        }
        return true;
    }

    @Override
    public void close() {
        for (ManagedChannel ch : opened) {
            ch.shutdownNow();
        }
    }

    /** Adds the auth token to every call, as clientv3 does once it has authenticated. */
    private final class TokenInterceptor implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    String t = token;
                    if (t != null) {
                        headers.put(TOKEN, t);
                    }
                    super.start(listener, headers);
                }
            };
        }
    }
}
