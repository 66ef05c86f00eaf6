package io.etch.api;

import io.etch.tls.TlsConfig;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves gRPC and plain HTTP/1.1 on one port, as etcd does. On a plaintext port the first bytes of
 * a connection tell an HTTP/2 client preface (gRPC) from an HTTP/1 request line (/health,
 * /version, ...). On a TLS port the handshake comes first and ALPN decides: {@code http/1.1}
 * offered (curl, browsers) goes to the HTTP handlers, {@code h2} alone (every gRPC client) to gRPC,
 * and a client that names neither is sniffed as on a plaintext port.
 *
 * <p>A gRPC call over TLS carries the SSL session in its transport attributes
 * ({@link Grpc#TRANSPORT_ATTR_SSL_SESSION}); an HTTP request finds it through
 * {@link TlsPeers#commonName(ChannelHandlerContext)}.
 */
final class PortSharingNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    private static final Logger log = LoggerFactory.getLogger(PortSharingNegotiator.class);

    private static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Supplier<ChannelHandler> httpHandler;
    private final Supplier<ChannelHandler> streamHandler;
    private final TlsConfig tls;
    private final ClientListener.Serves serves;

    /**
     * {@code streamHandler} sees HTTP requests before they are aggregated (for bodies that stream);
     * null when nothing streams (the gateway is off). {@code tls} null: a plaintext port.
     * {@code serves}: a connection of a protocol the port does not serve is closed.
     */
    PortSharingNegotiator(Supplier<ChannelHandler> httpHandler, Supplier<ChannelHandler> streamHandler, TlsConfig tls,
                          ClientListener.Serves serves) {
        this.httpHandler = httpHandler;
        this.streamHandler = streamHandler;
        this.tls = tls;
        this.serves = serves;
    }

    @Override
    public AsciiString scheme() {
        return AsciiString.of(tls == null ? "http" : "https");
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return tls == null
                ? new Sniffer(grpcHandler, InternalProtocolNegotiationEvent.getDefault())
                : new TlsStart(grpcHandler);
    }

    @Override
    public void close() {
    }

    /** The ALPN choice: HTTP/1.1 for clients that offer it, h2 (gRPC) for those that offer only that. */
    static String chooseProtocol(List<String> offered, ClientListener.Serves serves) {
        boolean h2 = offered.contains("h2") && serves != ClientListener.Serves.HTTP;
        boolean http1 = offered.contains("http/1.1") && serves != ClientListener.Serves.GRPC;
        if (http1) {
            return "http/1.1";
        }
        return h2 ? "h2" : "";
    }

    /** Installs the TLS handler and, once the handshake is done, hands the connection on. */
    private final class TlsStart extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;

        TlsStart(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            super.handlerAdded(ctx);
            var engine = tls.newServerEngine();
            engine.setHandshakeApplicationProtocolSelector((e, offered) -> chooseProtocol(offered, serves));
            ctx.pipeline().addBefore(ctx.name(), "tls", new SslHandler(engine));
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            // Nothing arrives before the handshake event; kept here until the protocol is known.
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (!(evt instanceof SslHandshakeCompletionEvent done)) {
                super.userEventTriggered(ctx, evt);
                return;
            }
            if (!done.isSuccess()) {
                log.warn("rejected connection remote-addr={} error={}", ctx.channel().remoteAddress(),
                        String.valueOf(done.cause().getMessage()));
                ctx.close();
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            SSLSession session = ssl.engine().getSession();
            ProtocolNegotiationEvent event = InternalProtocolNegotiationEvent.withAttributes(
                    InternalProtocolNegotiationEvent.getDefault(), Attributes.newBuilder()
                            .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                            .build());
            event = InternalProtocolNegotiationEvent.withSecurity(event,
                    new InternalChannelz.Security(new InternalChannelz.Tls(session)));
            String protocol = ssl.engine().getApplicationProtocol();
            if ("h2".equals(protocol)) {
                switchToGrpc(ctx, grpcHandler, event, this);
            } else if ("http/1.1".equals(protocol)) {
                switchToHttp1(ctx, this);
            } else {
                ctx.pipeline().addAfter(ctx.name(), null, new Sniffer(grpcHandler, event));
                ctx.pipeline().remove(this);
            }
        }

        @Override
        public String toString() {
            return "etch-tls-start";
        }
    }

    private void switchToGrpc(ChannelHandlerContext ctx, GrpcHttp2ConnectionHandler grpcHandler,
                              ProtocolNegotiationEvent event, ChannelHandler self) {
        if (serves == ClientListener.Serves.HTTP) {
            ctx.close(); // --listen-client-http-urls: no gRPC here
            return;
        }
        // gRPC's own negotiation handler installs the HTTP/2 handler when it sees the event;
        // removing the decoder then passes the bytes it buffered on to it.
        ctx.pipeline().addAfter(ctx.name(), null, InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
        ctx.fireUserEventTriggered(event);
        ctx.pipeline().remove(self);
    }

    private void switchToHttp1(ChannelHandlerContext ctx, ChannelHandler self) {
        if (serves == ClientListener.Serves.GRPC) {
            ctx.close(); // HTTP is served on --listen-client-http-urls instead
            return;
        }
        String name = ctx.name();
        ctx.pipeline().addAfter(name, "http-codec", new HttpServerCodec());
        String before = "http-codec";
        if (streamHandler != null) {
            ctx.pipeline().addAfter(before, "http-streams", streamHandler.get());
            before = "http-streams";
        }
        ctx.pipeline().addAfter(before, "http-aggregator", new HttpObjectAggregator(2 * 1024 * 1024));
        ctx.pipeline().addAfter("http-aggregator", "http-handler", httpHandler.get());
        ctx.pipeline().remove(self);
    }

    private final class Sniffer extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        private final ProtocolNegotiationEvent event;

        Sniffer(GrpcHttp2ConnectionHandler grpcHandler, ProtocolNegotiationEvent event) {
            this.grpcHandler = grpcHandler;
            this.event = event;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), HTTP2_PREFACE.length);
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != HTTP2_PREFACE[i]) {
                    switchToHttp1(ctx, this);
                    return;
                }
            }
            if (n == HTTP2_PREFACE.length) {
                switchToGrpc(ctx, grpcHandler, event, this);
            }
            // otherwise: a prefix of the preface so far; wait for more bytes
        }

        @Override
        public String toString() {
            return "etch-port-sniffer " + ByteBufUtil.hexDump(HTTP2_PREFACE, 0, 3);
        }
    }
}
