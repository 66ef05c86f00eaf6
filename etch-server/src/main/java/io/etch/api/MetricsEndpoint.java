package io.etch.api;

import io.etch.server.EtchServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;

/**
 * The listeners of {@code --listen-metrics-urls}: HTTP (over TLS with the client TLS settings for
 * {@code https://} URLs, as etcd) with /metrics and the health
 * endpoints only, so that a scraper or a probe can reach a member whose client port is closed to
 * it (or busy).
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final EventLoopGroup loop;
    private final List<Channel> channels;

    private MetricsEndpoint(EventLoopGroup loop, List<Channel> channels) {
        this.loop = loop;
        this.channels = channels;
    }

    public static MetricsEndpoint start(EtchServer server, List<ClientListener> listeners) throws IOException {
        List<InetSocketAddress> addresses = listeners.stream().map(ClientListener::address).toList();
        EventLoopGroup loop = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "etch-metrics-http");
            t.setDaemon(true);
            return t;
        });
        List<Channel> channels = new ArrayList<>();
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(loop)
                    .channel(NioServerSocketChannel.class);
            for (ClientListener listener : listeners) {
                bootstrap.childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (listener.secure()) {
                            // HTTP/1.1 only: a client offering h2 as well is answered in HTTP/1.1.
                            SSLEngine engine = listener.tls().newServerEngine();
                            engine.setHandshakeApplicationProtocolSelector(
                                    (e, offered) -> offered.contains("http/1.1") ? "http/1.1" : "");
                            ch.pipeline().addLast(new SslHandler(engine));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new HttpEndpoints(server, null));
                    }
                });
                channels.add(bootstrap.bind(listener.address()).syncUninterruptibly().channel());
            }
        } catch (RuntimeException e) {
            channels.forEach(Channel::close);
            loop.shutdownGracefully();
            throw new IOException("cannot listen for metrics on " + addresses + ": " + e.getMessage(), e);
        }
        return new MetricsEndpoint(loop, channels);
    }

    @Override
    public void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        loop.shutdownGracefully();
    }
}
