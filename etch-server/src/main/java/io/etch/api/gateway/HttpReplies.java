package io.etch.api.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Whole answers of the gateway, with the headers etcd's gateway sets. */
final class HttpReplies {

    static final String JSON = "application/json";
    /** etcd's gateway passes the gRPC response headers on as Grpc-Metadata-*; this is the one every answer has. */
    static final String GRPC_METADATA_CONTENT_TYPE = "Grpc-Metadata-Content-Type";

    private HttpReplies() {
    }

    /** A JSON answer from the service (with {@code grpcHeaders}) or from the gateway itself. */
    static void json(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body, boolean grpcHeaders) {
        FullHttpResponse response = response(status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
        if (grpcHeaders) {
            response.headers().set(GRPC_METADATA_CONTENT_TYPE, "application/grpc");
        }
        send(ctx, keepAlive, response);
    }

    /** A plain-text answer, as Go's http.Error writes it (unknown routes, wrong methods). */
    static void text(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status) {
        FullHttpResponse response = response(status, status.reasonPhrase() + "\n");
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().set("X-Content-Type-Options", "nosniff");
        send(ctx, keepAlive, response);
    }

    static void keepAliveHeaders(HttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        keepAliveHeaders(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
