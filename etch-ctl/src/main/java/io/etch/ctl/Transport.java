package io.etch.ctl;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The Netty side of etchctl's connections: one I/O thread, made (and gRPC's and Netty's classes
 * initialised) on a thread of its own while the command line is parsed, so that a short command
 * does not wait for both one after the other.
 */
final class Transport {
    private static volatile CompletableFuture<EventLoopGroup> loops;

    private Transport() {
    }

    /** Starts preparing the transport in the background; idempotent. */
    static synchronized void prepare() {
        if (loops != null) {
            return;
        }
        CompletableFuture<EventLoopGroup> f = new CompletableFuture<>();
        loops = f;
        Thread t = new Thread(() -> {
            try {
                EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("etchctl-io", true));
                // An idle channel that never connects: builds and initialises the classes every channel needs.
                ManagedChannel warm = builder(new InetSocketAddress("127.0.0.1", 9), group).usePlaintext().build();
                warm.shutdownNow();
                f.complete(group);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "etchctl-prepare");
        t.setDaemon(true);
        t.start();
    }

    static EventLoopGroup loops() {
        prepare();
        try {
            return loops.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A channel builder for a resolved address: no DNS resolver thread, no proxy lookup (as etcdctl,
     * which dials the endpoints directly), callbacks on the I/O thread.
     */
    static NettyChannelBuilder builder(InetSocketAddress address, EventLoopGroup group) {
        return NettyChannelBuilder.forAddress(address)
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .directExecutor()
            .disableRetry()
            .proxyDetector(target -> null)
            .maxInboundMessageSize(Integer.MAX_VALUE);
    }
}
