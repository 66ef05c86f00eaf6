package io.etch.api.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * etcd's JSON gateway on the client port: /v3/... (and /v3beta/...) POSTs of JSON requests, served
 * by the same gRPC services as gRPC clients through an in-process channel, so validation, errors
 * and (later) auth are the ones gRPC clients get.
 */
public final class JsonGateway {

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    private final Channel services;

    public JsonGateway(Channel services) {
        this(services, Long.MAX_VALUE);
    }

    /** {@code maxStreams}: --max-concurrent-streams, which bounds the gateway's calls in flight. */
    public JsonGateway(Channel services, long maxStreams) {
        this.services = maxStreams >= Integer.MAX_VALUE ? services
                : ClientInterceptors.intercept(services, new StreamLimit(maxStreams));
    }

    /** Whether a request path is the gateway's to answer. */
    public static boolean owns(String path) {
        return GatewayRoutes.owns(path);
    }

    /** The handler that serves the streaming routes; it goes before the HTTP aggregator, which would hold their bodies back. */
    public ChannelHandler newStreamHandler() {
        return new GatewayStreamHandler(this);
    }

    /** Answers a whole (aggregated) request on one of the gateway's paths. */
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        GatewayRoutes.Route route = GatewayRoutes.find(path);
        if (route == null) {
            HttpReplies.text(ctx, keepAlive, HttpResponseStatus.NOT_FOUND);
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            HttpReplies.text(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED);
            return;
        }
        Message message;
        try {
            message = firstRequest(ByteBufUtil.getBytes(request.content()), route.requestPrototype());
        } catch (JsonCodec.BadRequest e) {
            // the request never reaches a service: nothing is written
            HttpReplies.json(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST,
                    GatewayStatus.errorBody(Status.Code.INVALID_ARGUMENT, e.getMessage()), false);
            return;
        }
        ClientCall<Message, Message> call = newCall(route, request.headers());
        if (route.serverStreaming()) {
            ClientCalls.asyncServerStreamingCall(call, message, new ChunkedReply(ctx, keepAlive));
        } else {
            // POSTs to the bidirectional routes never get here: GatewayStreamHandler takes them
            ClientCalls.asyncUnaryCall(call, message, new UnaryReply(ctx, keepAlive));
        }
    }

    /**
     * As etcd's gateway: the first JSON value of the body is the request, anything after it is
     * ignored, and an empty body is an empty request.
     */
    static Message firstRequest(byte[] body, Message prototype) throws JsonCodec.BadRequest {
        int start = JsonScanner.skipBlanks(body, 0, body.length);
        if (start < 0) {
            return prototype.getDefaultInstanceForType();
        }
        try {
            int end = JsonScanner.valueEnd(body, start, body.length, true);
            return JsonCodec.decode(body, start, end, prototype);
        } catch (JsonScanner.SyntaxError e) {
            throw new JsonCodec.BadRequest(e.getMessage());
        }
    }

    /** A call to the service; an Authorization header travels as the "token" metadata, as etcd's gateway sends it. */
    ClientCall<Message, Message> newCall(GatewayRoutes.Route route, HttpHeaders headers) {
        Channel channel = services;
        String token = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (token != null) {
            Metadata metadata = new Metadata();
            metadata.put(TOKEN, token);
            channel = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
        }
        return channel.newCall(route.method(), CallOptions.DEFAULT);
    }

    private static final class UnaryReply implements StreamObserver<Message> {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private Message response;

        UnaryReply(ChannelHandlerContext ctx, boolean keepAlive) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
        }

        @Override
        public void onNext(Message value) {
            response = value;
        }

        @Override
        public void onError(Throwable error) {
            Status status = Status.fromThrowable(error);
            HttpReplies.json(ctx, keepAlive, GatewayStatus.httpStatus(status.getCode()),
                    GatewayStatus.errorBody(status.getCode(), status.getDescription()), false);
        }

        @Override
        public void onCompleted() {
            HttpReplies.json(ctx, keepAlive, HttpResponseStatus.OK, JsonCodec.encode(response), true);
        }
    }
}
