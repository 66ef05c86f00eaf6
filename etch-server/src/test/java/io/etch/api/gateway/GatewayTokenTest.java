package io.etch.api.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The Authorization header reaches the service as the "token" metadata, where etcd's auth looks for it. */
class GatewayTokenTest {

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void authorizationHeaderTravelsAsTokenMetadata() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                seen.set(headers.get(TOKEN));
                return next.startCall(call, headers);
            }
        };
        KVGrpc.KVImplBase kv = new KVGrpc.KVImplBase() {
            @Override
            public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
                observer.onNext(RangeResponse.newBuilder().setCount(1).build());
                observer.onCompleted();
            }
        };
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(kv, capture)).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            JsonGateway gateway = new JsonGateway(channel);
            EmbeddedChannel http = new EmbeddedChannel(new SimpleChannelInboundHandler<FullHttpRequest>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                    gateway.serve(ctx, request);
                }
            });
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v3/kv/range",
                    Unpooled.copiedBuffer("{\"key\":\"Zm9v\"}", StandardCharsets.UTF_8));
            request.headers().set("Authorization", "sometoken.42");
            http.writeInbound(request);

            FullHttpResponse response = http.readOutbound();
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"count\":\"1\"}");
            assertThat(seen.get()).isEqualTo("sometoken.42");
            response.release();
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
