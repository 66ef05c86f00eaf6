package io.etch.api.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Takes POSTs to the streaming routes (/v3/watch, /v3/lease/keepalive) off the HTTP pipeline
 * before the aggregator: their body is read as it arrives, each JSON value in it sent on the gRPC
 * stream at once, while the answer streams back. Everything else passes on untouched.
 */
final class GatewayStreamHandler extends ChannelInboundHandlerAdapter {

    private final JsonGateway gateway;
    /** The streaming request whose body is still arriving, if any. */
    private JsonRequestStream reading;
    /** The last streaming call of this connection, canceled when the connection goes. */
    private JsonRequestStream last;

    GatewayStreamHandler(JsonGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            GatewayRoutes.Route route = streamingRoute(request);
            if (route == null) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (HttpUtil.is100ContinueExpected(request)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            reading = new JsonRequestStream(ctx, HttpUtil.isKeepAlive(request), route,
                    gateway.newCall(route, request.headers()));
            last = reading;
            if (!(msg instanceof HttpContent)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (reading != null && msg instanceof HttpContent content) {
            try {
                boolean end = content instanceof LastHttpContent;
                reading.feed(content.content(), end);
                if (end) {
                    reading = null;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static GatewayRoutes.Route streamingRoute(HttpRequest request) {
        if (!request.method().equals(HttpMethod.POST)) {
            return null;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!GatewayRoutes.owns(path)) {
            return null;
        }
        GatewayRoutes.Route route = GatewayRoutes.find(path);
        return route != null && route.bidiStreaming() ? route : null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (last != null) {
            last.cancel();
        }
        ctx.fireChannelInactive();
    }
}
