package io.etch.api;

import io.etch.api.gateway.JsonGateway;
import io.etch.server.EtchServer;
import io.etch.server.Version;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The HTTP/1.1 endpoints etcd serves beside gRPC on the client port: /health, /version and the /v3 JSON gateway. */
final class HttpEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final EtchServer server;
    private final JsonGateway gateway;

    HttpEndpoints(EtchServer server, JsonGateway gateway) {
        this.server = server;
        this.gateway = gateway;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        if (JsonGateway.owns(path)) {
            gateway.serve(ctx, request);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        switch (path) {
            case "/version" -> send(ctx, keepAlive, HttpResponseStatus.OK,
                    "{\"etcdserver\":\"" + Version.SERVER + "\",\"etcdcluster\":\"" + Version.CLUSTER + "\"}");
            case "/health", "/livez", "/readyz" -> health(ctx, keepAlive, request.method());
            default -> send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "404 page not found\n");
        }
    }

    private void health(ChannelHandlerContext ctx, boolean keepAlive, HttpMethod method) {
        if (!server.hasLeader()) {
            send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}");
            return;
        }
        server.checkHealth()
                .orTimeout(server.settings().requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        send(ctx, keepAlive, HttpResponseStatus.OK, "{\"health\":\"true\",\"reason\":\"\"}");
                    } else {
                        send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                "{\"health\":\"false\",\"reason\":\"QGET ERROR:" + error.getMessage() + "\"}");
                    }
                });
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        String type = body.startsWith("{") ? "application/json" : "text/plain; charset=utf-8";
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
