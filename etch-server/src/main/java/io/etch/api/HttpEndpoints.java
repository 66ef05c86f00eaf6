package io.etch.api;

import io.etch.api.gateway.JsonGateway;
import io.etch.metrics.EtchMetrics;
import io.etch.server.EtchServer;
import io.etch.server.Version;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP/1.1 endpoints etcd serves beside gRPC on the client port: /health, /livez, /readyz,
 * /version, /metrics and the /v3 JSON gateway. The listeners of --listen-metrics-urls serve the
 * same without the gateway.
 */
final class HttpEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final EtchServer server;
    private final HealthProbes probes;
    /** Null on the metrics listeners, and with --enable-grpc-gateway=false. */
    private final JsonGateway gateway;
    private final boolean serveUi;

    HttpEndpoints(EtchServer server, JsonGateway gateway) {
        this.server = server;
        this.probes = new HealthProbes(server);
        this.gateway = server.settings().enableGrpcGateway() ? gateway : null;
        // The UI is the gateway's client: without it there is nothing it could show.
        this.serveUi = this.gateway != null && server.settings().enableUi();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (gateway != null && JsonGateway.owns(path)) {
            gateway.serve(ctx, request);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (isProbe(path) && request.method() != HttpMethod.GET) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET");
            send(ctx, keepAlive, r);
            return;
        }
        switch (path) {
            case "/version" -> send(ctx, keepAlive, HttpResponseStatus.OK,
                    "{\"etcdserver\":\"" + Version.SERVER + "\",\"etcdcluster\":\"" + Version.CLUSTER + "\"}");
            case "/metrics" -> metrics(ctx, keepAlive);
            case "/health" -> answer(ctx, keepAlive, probes.health(
                    "true".equals(param(uri, "serializable")), Set.copyOf(params(uri, "exclude"))));
            default -> {
                if (serveUi && (path.equals("/ui") || path.startsWith("/ui/"))) {
                    ui(ctx, keepAlive, request, path);
                } else if (!probe(ctx, keepAlive, uri)) {
                    send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "404 page not found\n");
                }
            }
        }
    }

    /** The web UI (client port only): /ui redirects to /ui/, files under it come from the jar. */
    private static void ui(ChannelHandlerContext ctx, boolean keepAlive, FullHttpRequest request, String path) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, keepAlive, r);
            return;
        }
        if (path.equals("/ui")) {
            FullHttpResponse r = response(HttpResponseStatus.MOVED_PERMANENTLY, "");
            r.headers().set(HttpHeaderNames.LOCATION, "/ui/");
            send(ctx, keepAlive, r);
            return;
        }
        UiAssets.Asset asset = UiAssets.find(path.substring("/ui/".length()));
        if (asset == null) {
            send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "404 page not found\n");
            return;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(asset.bytes()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType());
        // A member upgraded in place serves its new UI at once.
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        HttpUtil.setContentLength(r, asset.bytes().length);
        send(ctx, keepAlive, r);
    }

    private static boolean isProbe(String path) {
        return path.equals("/health") || path.equals("/livez") || path.equals("/readyz")
                || path.startsWith("/livez/") || path.startsWith("/readyz/");
    }

    /** /livez, /readyz and their per-check paths; false when the path is none of them. */
    private boolean probe(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
        String path = uri.path();
        String name = path.startsWith("/livez") ? "livez" : path.startsWith("/readyz") ? "readyz" : null;
        if (name == null) {
            return false;
        }
        String rest = path.substring(name.length() + 1);
        if (!rest.isEmpty() && !rest.startsWith("/")) {
            return false;
        }
        String only = rest.length() > 1 ? rest.substring(1) : null;
        List<String> checks = name.equals("livez") ? HealthProbes.LIVEZ : HealthProbes.READYZ;
        CompletableFuture<HealthProbes.Answer> answer = probes.probe(name, checks, only,
                uri.parameters().containsKey("verbose"), Set.copyOf(params(uri, "exclude")));
        if (answer == null) {
            return false;
        }
        answer(ctx, keepAlive, answer);
        return true;
    }

    private static String param(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static List<String> params(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().getOrDefault(name, List.of());
        return values.stream().filter(v -> !v.isEmpty()).toList();
    }

    private static void answer(ChannelHandlerContext ctx, boolean keepAlive, CompletableFuture<HealthProbes.Answer> answer) {
        answer.whenComplete((a, error) -> {
            if (error != null) {
                send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"health\":\"false\",\"reason\":\"\"}");
            } else {
                send(ctx, keepAlive, a.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, a.body());
            }
        });
    }

    private void metrics(ChannelHandlerContext ctx, boolean keepAlive) {
        ByteBuf body = ctx.alloc().buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            server.metrics().writeText(out);
        } catch (IOException | RuntimeException e) {
            body.release();
            send(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, "metrics unavailable: " + e + "\n");
            return;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, EtchMetrics.contentType());
        HttpUtil.setContentLength(r, body.readableBytes());
        send(ctx, keepAlive, r);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        String type = body.startsWith("{") ? "application/json" : "text/plain; charset=utf-8";
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
        send(ctx, keepAlive, response(status, body));
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
