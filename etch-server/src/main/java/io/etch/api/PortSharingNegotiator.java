package io.etch.api;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * Serves gRPC and plain HTTP/1.1 on one port, as etcd does: the first bytes of a connection tell
 * an HTTP/2 client preface (gRPC) from an HTTP/1 request line (/health, /version, ...).
 */
final class PortSharingNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    private static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Supplier<ChannelHandler> httpHandler;
    private final Supplier<ChannelHandler> streamHandler;

    /**
     * {@code streamHandler} sees HTTP requests before they are aggregated (for bodies that stream);
     * null when nothing streams (the gateway is off).
     */
    PortSharingNegotiator(Supplier<ChannelHandler> httpHandler, Supplier<ChannelHandler> streamHandler) {
        this.httpHandler = httpHandler;
        this.streamHandler = streamHandler;
    }

    @Override
    public AsciiString scheme() {
        return AsciiString.of("http");
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new Sniffer(grpcHandler);
    }

    @Override
    public void close() {
    }

    private final class Sniffer extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;

        Sniffer(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), HTTP2_PREFACE.length);
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != HTTP2_PREFACE[i]) {
                    switchToHttp1(ctx);
                    return;
                }
            }
            if (n == HTTP2_PREFACE.length) {
                switchToGrpc(ctx);
            }
            // otherwise: a prefix of the preface so far; wait for more bytes
        }

        private void switchToGrpc(ChannelHandlerContext ctx) {
            // gRPC's own negotiation handler installs the HTTP/2 handler when it sees the event;
            // removing this decoder then passes the buffered preface on to it.
            ctx.pipeline().addAfter(ctx.name(), null, InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
            ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.getDefault());
            ctx.pipeline().remove(this);
        }

        private void switchToHttp1(ChannelHandlerContext ctx) {
            String self = ctx.name();
            ctx.pipeline().addAfter(self, "http-codec", new HttpServerCodec());
            String before = "http-codec";
            if (streamHandler != null) {
                ctx.pipeline().addAfter(before, "http-streams", streamHandler.get());
                before = "http-streams";
            }
            ctx.pipeline().addAfter(before, "http-aggregator", new HttpObjectAggregator(2 * 1024 * 1024));
            ctx.pipeline().addAfter("http-aggregator", "http-handler", httpHandler.get());
            ctx.pipeline().remove(this);
        }

        @Override
        public String toString() {
            return "etch-port-sniffer " + ByteBufUtil.hexDump(HTTP2_PREFACE, 0, 3);
        }
    }
}
